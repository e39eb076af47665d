/**
 * Synchronous file calls inside a `load()`ed module work on the simulated volume: each is one
 * operation made at once, in zero virtual time (a synchronous call cannot wait for simulated time),
 * traced, and failed by an injected fault like its asynchronous form.
 */
import { describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { load } from '../../src/scenario/load.js';
import { World } from '../../src/sim/world.js';

const LIBRARY = fileURLToPath(new URL('./fixtures/sync-fs-library/index.cjs', import.meta.url));

interface SyncFsLibrary {
  exercise(root: string): Record<string, unknown>;
  readConfig(path: string): Record<string, unknown>;
  appendDurably(path: string, record: string): string;
  exerciseAsync(root: string): Promise<Record<string, unknown>>;
}

describe('load(): synchronous fs calls are the simulated filesystem', () => {
  test('every covered call works on the volume, is traced, and takes no virtual time', async () => {
    const world = new World({ seed: 1 });
    world.setFsLatency({ minMs: 40, maxMs: 40 });
    let seen: Record<string, unknown> | undefined;
    world.spawn('lib', (env) => {
      seen = load<SyncFsLibrary>(LIBRARY, { env }).exercise('/work');
    });
    const outcome = await world.run();
    expect(world.trace.events.find((event) => event.kind === 'process.error')).toBeUndefined();
    expect(seen).toEqual({
      madeDir: '/work',
      text: 'hello world',
      bytes: 11,
      exists: [true, false],
      stat: { size: 11, isFile: true, mtimeIsDate: true },
      missingStat: undefined,
      utimes: 2_000_000,
      entries: ['c.txt:file', 'er:dir'],
      names: ['c.txt', 'er'],
      fdRead: [4, 'efXY'],
      realpath: '/work/deep',
      left: ['fd.bin'],
      copyFile: 'abcdefXY',
      copyFileExclusive: 'EEXIST',
      fstat: 3,
      truncated: 'a',
    });
    // Forty milliseconds of latency per call, yet no virtual time passed: synchronous calls take none.
    expect(outcome.simulatedMs).toBe(0);
    const kinds = new Set(world.trace.events.filter((event) => event.pid === 'lib#1').map((event) => event.kind));
    for (const kind of ['mkdir', 'writeFile', 'appendFile', 'readFile', 'stat', 'lstat', 'utimes', 'rename', 'link', 'unlink', 'readdir', 'open', 'write', 'read', 'close', 'realpath', 'rmdir', 'rm', 'copyFile', 'fstat', 'fsync', 'truncate']) {
      expect(kinds, kind).toContain(`fs.${kind}`);
    }
    // What the library wrote is on the volume every process sees.
    expect(await world.fs.readFile('/work/fd.bin', 'utf8')).toBe('abcdefXY');
  });

  test('a file written asynchronously by one process is read synchronously by another', async () => {
    const world = new World({ seed: 1 });
    world.setFsLatency({ minMs: 5, maxMs: 5 });
    const configs: Record<string, unknown>[] = [];
    world.spawn('writer', async (env) => {
      await env.fs.mkdir('/etc', { recursive: true });
      await env.fs.writeFile('/etc/app.json', JSON.stringify({ retries: 3 }));
    });
    world.spawn('reader', async (env) => {
      const library = load<SyncFsLibrary>(LIBRARY, { env });
      configs.push(library.readConfig('/etc/app.json'));
      await env.sleep(100);
      configs.push(library.readConfig('/etc/app.json'));
    });
    await world.run();
    expect(configs).toEqual([{ error: 'ENOENT' }, { retries: 3 }]);
  });

  test('an injected fault fails the synchronous call with its code, and the call has no effect', async () => {
    const world = new World({ seed: 1 });
    world.injectFsFault({ code: 'EIO', op: 'writeFile' });
    let failure: unknown;
    world.spawn('lib', (env) => {
      failure = (() => {
        try {
          load<SyncFsLibrary>(LIBRARY, { env }).exercise('/work');
          return 'no error';
        } catch (error) {
          return (error as NodeJS.ErrnoException).code;
        }
      })();
    });
    await world.run();
    expect(failure).toBe('EIO');
    expect(world.trace.events.some((event) => event.kind === 'fs.writeFile' && (event.data as { injected?: boolean }).injected === true)).toBe(true);
    expect(await world.fs.readdir('/work/deep')).toEqual(['er']);
  });

  test('an injected fsync fault reaches the library, after its write took effect', async () => {
    const world = new World({ seed: 1 });
    world.injectFsFault({ code: 'EIO', op: 'fsync' });
    const results: string[] = [];
    world.spawn('lib', async (env) => {
      await env.fs.writeFile('/wal.log', '');
      const library = load<SyncFsLibrary>(LIBRARY, { env });
      results.push(library.appendDurably('/wal.log', 'one'), library.appendDurably('/wal.log', 'two'));
    });
    await world.run();
    expect(results).toEqual(['EIO', 'durable']);
    expect(world.trace.events.filter((event) => event.kind === 'fs.fsync').map((event) => event.data)).toEqual([
      { path: '/wal.log', error: 'EIO', injected: true },
      { path: '/wal.log' },
    ]);
    expect(await world.fs.readFile('/wal.log', 'utf8')).toBe('one\ntwo\n');
  });

  test('copyFile, truncate, fstat and fsync in callback, promise and FileHandle forms take the volume latency', async () => {
    const world = new World({ seed: 1 });
    world.setFsLatency({ minMs: 10, maxMs: 10 });
    let seen: Record<string, unknown> | undefined;
    world.spawn('lib', async (env) => {
      seen = await load<SyncFsLibrary>(LIBRARY, { env }).exerciseAsync('/async');
    });
    const outcome = await world.run();
    expect(seen).toEqual({ copyExclusive: 'EEXIST', fstat: 4, b: 'ab', handleStat: 3, c: 'a' });
    const kinds = world.trace.events.filter((event) => event.kind.startsWith('fs.')).map((event) => event.kind);
    expect(kinds.filter((kind) => kind === 'fs.fsync')).toHaveLength(4);
    expect(kinds.filter((kind) => kind === 'fs.copyFile')).toHaveLength(3);
    expect(kinds.filter((kind) => kind === 'fs.truncate')).toHaveLength(4);
    expect(kinds.filter((kind) => kind === 'fs.fstat')).toHaveLength(2);
    // Every call waited its 10 ms: asynchronous forms are not instant.
    expect(outcome.simulatedMs).toBe(10 * kinds.length);
  });
});
