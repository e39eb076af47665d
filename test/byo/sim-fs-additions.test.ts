/**
 * What lock and file libraries call beyond the basics, on the simulated volume: rmdir, utimes,
 * stat/lstat with a `Date` mtime on world time, readdir with file types; each traced and open to
 * injected faults like every other operation.
 */
import { describe, expect, test } from 'vitest';
import { World } from '../../src/sim/world.js';
import type { Env } from '../../src/env/env.js';

async function inProcess<T>(world: World, body: (env: Env) => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  world.spawn('p', async (env) => {
    result = { value: await body(env) };
  });
  await world.run();
  if (result === undefined) throw new Error('the process did not finish');
  return result.value;
}

describe('simulated fs additions', () => {
  test('stat and lstat give mtime as a Date on world time; utimes sets it', async () => {
    const world = new World({ seed: 1 });
    const stamps = await inProcess(world, async ({ fs, sleep }) => {
      await fs.writeFile('/lockfile', 'x');
      const written = await fs.stat('/lockfile');
      await sleep(5_000);
      await fs.utimes('/lockfile', new Date(world.now()), new Date(world.now()));
      const touched = await fs.lstat('/lockfile');
      return { written, touched };
    });
    expect(stamps.written.mtime).toBeInstanceOf(Date);
    expect(stamps.written.mtime.getTime()).toBe(stamps.written.mtimeMs);
    expect(stamps.touched.mtimeMs - stamps.written.mtimeMs).toBe(5_000);
    expect(stamps.touched.isSymbolicLink()).toBe(false);
  });

  test('readdir with file types, and rmdir of an empty directory only', async () => {
    const world = new World({ seed: 1 });
    const seen = await inProcess(world, async ({ fs }) => {
      await fs.mkdir('/d/sub', { recursive: true });
      await fs.writeFile('/d/file', 'x');
      const entries = (await fs.readdir('/d', { withFileTypes: true })).map((entry) => `${entry.name}:${entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : '?'}`);
      const notEmpty = await fs.rmdir('/d').then(() => 'removed', (error: { code?: string }) => error.code);
      await fs.rmdir('/d/sub');
      return { entries, notEmpty, after: await fs.readdir('/d') };
    });
    expect(seen.entries).toEqual(['file:file', 'sub:dir']);
    expect(seen.notEmpty).toBe('ENOTEMPTY');
    expect(seen.after).toEqual(['file']);
    expect(world.trace.events.some((event) => event.kind === 'fs.rmdir')).toBe(true);
  });

  test('an injected fault reaches the new operations', async () => {
    const world = new World({ seed: 1 });
    world.injectFsFault({ code: 'EIO', op: 'utimes', count: 1 });
    const code = await inProcess(world, async ({ fs }) => {
      await fs.writeFile('/f', 'x');
      return fs.utimes('/f', 1, 1).then(() => 'ok', (error: { code?: string }) => error.code);
    });
    expect(code).toBe('EIO');
  });
});
