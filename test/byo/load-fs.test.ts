/**
 * `load()`: an unmodified CommonJS library that requires `fs` and `node:fs/promises` itself runs on
 * the process's simulated filesystem, callback and promise forms alike, traced and open to faults;
 * each process gets its own instance of the module.
 */
import { describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/env/errors.js';
import { load } from '../../src/scenario/load.js';
import { World } from '../../src/sim/world.js';

const LIBRARY = fileURLToPath(new URL('./fixtures/fs-library/index.cjs', import.meta.url));

interface FsLibrary {
  exercise(root: string): Promise<Record<string, unknown>>;
  now(): number;
}

describe('load(): node:fs inside a loaded module is the simulated filesystem', () => {
  test('callback and promise forms of every covered call work on the volume and are traced', async () => {
    const world = new World({ seed: 1 });
    let seen: Record<string, unknown> | undefined;
    world.spawn('lib', async (env) => {
      seen = await load<FsLibrary>(LIBRARY, { env }).exercise('/work');
    });
    await world.run();
    expect(world.trace.events.find((event) => event.kind === 'process.error')).toBeUndefined();
    expect(seen).toEqual({
      cbRead: 'hello world',
      cbMtimeIsDate: true,
      cbUtimes: 2_000_000,
      cbEntries: ['deep:dir'],
      cbFdRead: 'cde',
      cbExists: false,
      pRead: 'hi!',
      pReadBytes: 3,
      pMtime: 4_000_000,
      pEntries: ['b.txt:file', 'deep:dir'],
      pFdRead: 'yz',
      pGone: true,
    });
    const kinds = new Set(world.trace.events.filter((event) => event.pid === 'lib#1').map((event) => event.kind));
    for (const kind of ['mkdir', 'writeFile', 'appendFile', 'readFile', 'stat', 'lstat', 'utimes', 'rename', 'link', 'unlink', 'readdir', 'open', 'write', 'read', 'close', 'rmdir', 'rm']) {
      expect(kinds, kind).toContain(`fs.${kind}`);
    }
    // Nothing reached the real disk: the volume holds what is left.
    expect(await world.fs.readdir('/work')).toEqual(['cb']);
  });

  test('an injected fault fails the library call with its code; latency is the process clock', async () => {
    const world = new World({ seed: 1 });
    world.setFsLatency({ minMs: 40, maxMs: 40 });
    world.injectFsFault({ code: 'EIO', op: 'appendFile' });
    let failure: unknown;
    world.spawn('lib', async (env) => {
      failure = await load<FsLibrary>(LIBRARY, { env })
        .exercise('/work')
        .then(() => 'no error', (error: NodeJS.ErrnoException) => error.code);
    });
    const outcome = await world.run();
    expect(failure).toBe('EIO');
    expect(world.trace.events.some((event) => event.kind === 'fs.appendFile' && (event.data as { injected?: boolean }).injected === true)).toBe(true);
    expect(outcome.simulatedMs).toBe(3 * 40);
  });

  test('each process gets its own instance, and its Date is the process clock', async () => {
    const world = new World({ seed: 1, processGlobals: true });
    const instances: FsLibrary[] = [];
    const clocks: number[] = [];
    for (const name of ['a', 'b']) {
      world.spawn(name, (env) => {
        const library = load<FsLibrary>(LIBRARY, { env });
        instances.push(library, load<FsLibrary>(LIBRARY, { env }));
        clocks.push(library.now() - env.now());
      });
    }
    world.setSkew('b', 9_000);
    await world.run();
    expect(instances[0]).toBe(instances[1]);
    expect(instances[0]).not.toBe(instances[2]);
    expect(clocks).toEqual([0, 0]);
  });

  test('a missing module, or a TypeScript file, is refused with one clear line', () => {
    const world = new World({ seed: 1 });
    const env = { id: 'x#1', fs: world.fs } as unknown as Parameters<typeof load>[1]['env'];
    expect(() => load('./no-such-module.cjs', { env, from: LIBRARY })).toThrow(InputError);
    const typescript = fileURLToPath(new URL('./fixtures/globals-world.ts', import.meta.url));
    expect(() => load(typescript, { env })).toThrow(InputError);
    expect(() => load(typescript, { env })).toThrow(/^load\(\): '.*globals-world\.ts' is TypeScript; load\(\) runs the JavaScript a package ships/);
  });
});
