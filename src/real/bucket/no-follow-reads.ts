/**
 * Real mode's reads of bucket entries: a symbolic link is never followed (`O_NOFOLLOW`: `ELOOP`), a
 * FIFO never blocks the read (`O_NONBLOCK`, then refused as `EFTYPE`), a directory fails `EISDIR`.
 * So a link cannot lead a worker out of the bucket and a FIFO cannot stall it; the worker turns
 * these codes into a skipped entry (`entryTypeOfReadError` in `systems/bucket/layout.ts`).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Env } from '../../env/env.js';

/** Reads `path` as UTF-8 if it is a regular file reached without following a link. */
export async function readRegularFile(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw codeError('EISDIR', `EISDIR: illegal operation on a directory, read '${path}'`);
    if (!stats.isFile()) throw codeError('EFTYPE', `EFTYPE: not a regular file, read '${path}'`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** `env` with every `readFile` made a `readRegularFile` (the worker reads only regular files). */
export function withNoFollowReads(env: Env): Env {
  const fs = new Proxy(env.fs, {
    get: (target, property, receiver) => (property === 'readFile' ? (path: string) => readRegularFile(path) : (Reflect.get(target, property, receiver) as unknown)),
  });
  return Object.assign(Object.create(env) as Env, { fs });
}

function codeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
