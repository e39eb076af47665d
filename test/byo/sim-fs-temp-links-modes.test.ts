/**
 * mkdtemp, chmod, symlink/readlink/lstat and opendir on the simulated volume, as `Env.fs` and as the
 * `node:fs` a loaded library sees (promise, callback and synchronous forms): deterministic
 * (mkdtemp's names come from the process's seeded stream), traced, and open to injected faults like
 * every other operation.
 */
import { describe, expect, test } from 'vitest';
import { nodeFsOver } from '../../src/env/node-fs-facade.js';
import type { Env } from '../../src/env/env.js';
import type { DirentLike } from '../../src/env/fs.js';
import { World } from '../../src/sim/world.js';

async function inProcess<T>(world: World, body: (env: Env) => Promise<T>, name = 'p'): Promise<T> {
  let result: { value: T } | undefined;
  world.spawn(name, async (env) => {
    result = { value: await body(env) };
  });
  await world.run();
  if (result === undefined) throw new Error('the process did not finish');
  return result.value;
}

const codeOf = (promise: Promise<unknown>): Promise<string | undefined> => promise.then(() => 'ok', (error: { code?: string }) => error.code);

interface NodeFs {
  promises: Record<string, (...args: unknown[]) => Promise<unknown>>;
  [name: string]: unknown;
}
const nodeFs = (env: Env): NodeFs => nodeFsOver(env.fs) as unknown as NodeFs;

describe('mkdtemp on the simulated volume', () => {
  const makeTwo = (seed: number, name = 'p') => {
    const world = new World({ seed });
    return inProcess(world, async ({ fs }) => {
      await fs.mkdir('/tmp');
      const names = [await fs.mkdtemp('/tmp/build-'), await fs.mkdtemp('/tmp/build-')];
      return { names, listed: await fs.readdir('/tmp'), mode: ((await fs.stat(names[0]!)).mode ?? 0) & 0o777, events: world.trace.events.filter((event) => event.kind === 'fs.mkdtemp').map((event) => event.data) };
    }, name);
  };

  test('creates a new private directory named prefix plus six characters, each call another', async () => {
    const made = await makeTwo(7);
    for (const name of made.names) expect(name).toMatch(/^\/tmp\/build-[A-Za-z0-9]{6}$/);
    expect(made.names[0]).not.toBe(made.names[1]);
    expect(made.listed).toEqual(made.names.map((name) => name.slice('/tmp/'.length)).sort());
    expect(made.mode).toBe(0o700);
    expect(made.events).toEqual(made.names.map((to) => ({ path: '/tmp/build-', to })));
  });

  test('the names come from the seed: the same seed names the same directories, another seed or process others', async () => {
    const [again, otherSeed, otherProcess] = [await makeTwo(7), await makeTwo(8), await makeTwo(7, 'q')];
    expect(again.names).toEqual((await makeTwo(7)).names);
    expect(otherSeed.names).not.toEqual(again.names);
    expect(otherProcess.names).not.toEqual(again.names);
  });

  test('an injected fault fails it and creates nothing; a missing parent is ENOENT', async () => {
    const world = new World({ seed: 1 });
    world.injectFsFault({ code: 'EIO', op: 'mkdtemp', count: 1 });
    const seen = await inProcess(world, async ({ fs }) => {
      await fs.mkdir('/tmp');
      const failed = await codeOf(fs.mkdtemp('/tmp/x-'));
      return { failed, after: await fs.readdir('/tmp'), missingParent: await codeOf(fs.mkdtemp('/nowhere/x-')) };
    });
    expect(seen).toEqual({ failed: 'EIO', after: [], missingParent: 'ENOENT' });
  });

  test('through node:fs: promise, callback and synchronous forms', async () => {
    const world = new World({ seed: 3 });
    const names = await inProcess(world, async (env) => {
      const fs = nodeFs(env);
      const viaPromise = (await fs.promises.mkdtemp!('/p-')) as string;
      const viaCallback = await new Promise<string>((resolve, reject) => (fs.mkdtemp as (prefix: string, cb: (error: Error | null, path?: string) => void) => void)('/c-', (error, path) => (error ? reject(error) : resolve(path!))));
      const viaSync = (fs.mkdtempSync as (prefix: string) => string)('/s-');
      return [viaPromise, viaCallback, viaSync, ...(await env.fs.readdir('/'))];
    });
    expect(names.slice(0, 3).map((name) => name.slice(0, 3))).toEqual(['/p-', '/c-', '/s-']);
    expect(names.slice(3)).toEqual(names.slice(0, 3).map((name) => name.slice(1)).sort());
  });
});

describe('chmod on the simulated volume', () => {
  test('sets the permission bits that stat reports, and the volume enforces them', async () => {
    const world = new World({ seed: 1 });
    const seen = await inProcess(world, async (env) => {
      await env.fs.writeFile('/secret', 'x');
      await env.fs.chmod('/secret', 0o400);
      const readOnly = ((await env.fs.stat('/secret')).mode ?? 0) & 0o777;
      const write = await codeOf(env.fs.writeFile('/secret', 'y'));
      (nodeFs(env).chmodSync as (path: string, mode: string) => void)('/secret', '644');
      return { readOnly, write, afterSync: ((await env.fs.stat('/secret')).mode ?? 0) & 0o777, rewrite: await codeOf(env.fs.writeFile('/secret', 'z')) };
    });
    expect(seen).toEqual({ readOnly: 0o400, write: 'EACCES', afterSync: 0o644, rewrite: 'ok' });
    expect(world.trace.events.filter((event) => event.kind === 'fs.chmod').length).toBe(2);
  });

  // The volume's inodes judge permissions with the user and group read once (sim-fs.ts,
  // `actAsVolumeUser`): every check memfs makes without naming a user still applies, the root
  // directory's included.
  test('directory modes guard opening, creating, renaming and listing, the root included', async () => {
    const world = new World({ seed: 1 });
    const seen = await inProcess(world, async ({ fs }) => {
      await fs.mkdir('/box');
      await fs.writeFile('/box/f', 'x');
      await fs.chmod('/box', 0o600);
      const open = await codeOf(fs.readFile('/box/f', 'utf8'));
      await fs.chmod('/box', 0o500);
      const create = await codeOf(fs.writeFile('/box/g', 'y'));
      const rename = await codeOf(fs.rename('/box/f', '/f'));
      await fs.chmod('/box', 0o300);
      const list = await codeOf(fs.readdir('/box'));
      await fs.chmod('/box', 0o700);
      const restored = await fs.readFile('/box/f', 'utf8');
      await fs.chmod('/', 0o500);
      const createAtRoot = await codeOf(fs.writeFile('/h', 'z'));
      await fs.chmod('/', 0o755);
      return { open, create, rename, list, restored, createAtRoot, afterRoot: await codeOf(fs.writeFile('/h', 'z')) };
    });
    expect(seen).toEqual({ open: 'EACCES', create: 'EACCES', rename: 'EACCES', list: 'EACCES', restored: 'x', createAtRoot: 'EACCES', afterRoot: 'ok' });
  });

  test('an injected fault fails it and leaves the mode as it was', async () => {
    const world = new World({ seed: 1 });
    world.injectFsFault({ code: 'EIO', op: 'chmod', count: 1 });
    const seen = await inProcess(world, async ({ fs }) => {
      await fs.writeFile('/f', 'x');
      const before = ((await fs.stat('/f')).mode ?? 0) & 0o777;
      return { failed: await codeOf(fs.chmod('/f', 0o000)), unchanged: (((await fs.stat('/f')).mode ?? 0) & 0o777) === before };
    });
    expect(seen).toEqual({ failed: 'EIO', unchanged: true });
  });
});

describe('symbolic links on the simulated volume', () => {
  test('symlink, readlink and lstat see the link; stat, readFile and realpath follow it', async () => {
    const world = new World({ seed: 1 });
    const seen = await inProcess(world, async ({ fs }) => {
      await fs.mkdir('/releases/v2', { recursive: true });
      await fs.writeFile('/releases/v2/app.js', 'v2');
      await fs.symlink('/releases/v2', '/current');
      const link = await fs.lstat('/current');
      const followed = await fs.stat('/current');
      const entries = (await fs.readdir('/', { withFileTypes: true })).map((entry) => `${entry.name}:${entry.isSymbolicLink() ? 'link' : entry.isDirectory() ? 'dir' : 'file'}`);
      return {
        target: await fs.readlink('/current'),
        link: link.isSymbolicLink(),
        followedIsDirectory: followed.isDirectory(),
        content: await fs.readFile('/current/app.js', 'utf8'),
        real: await fs.realpath('/current/app.js'),
        entries,
        notALink: await codeOf(fs.readlink('/releases')),
        taken: await codeOf(fs.symlink('/elsewhere', '/current')),
        dangling: await fs.symlink('/missing', '/dangling').then(() => fs.readlink('/dangling')),
      };
    });
    expect(seen).toEqual({
      target: '/releases/v2',
      link: true,
      followedIsDirectory: true,
      content: 'v2',
      real: '/releases/v2/app.js',
      entries: ['current:link', 'releases:dir'],
      notALink: 'EINVAL',
      taken: 'EEXIST',
      dangling: '/missing',
    });
    expect(world.trace.events.find((event) => event.kind === 'fs.symlink')?.data).toEqual({ path: '/current', to: '/releases/v2' });
  });

  test('injected faults fail symlink (no link made) and readlink', async () => {
    const world = new World({ seed: 1 });
    world.injectFsFault({ code: 'EIO', op: 'symlink', count: 1 });
    world.injectFsFault({ code: 'EIO', op: 'readlink', count: 1 });
    const seen = await inProcess(world, async ({ fs }) => {
      const first = await codeOf(fs.symlink('/t', '/l'));
      const exists = await codeOf(fs.lstat('/l'));
      await fs.symlink('/t', '/l');
      return { first, exists, read: await codeOf(fs.readlink('/l')), readAgain: await fs.readlink('/l') };
    });
    expect(seen).toEqual({ first: 'EIO', exists: 'ENOENT', read: 'EIO', readAgain: '/t' });
  });

  test('through node:fs: callback and synchronous forms', async () => {
    const world = new World({ seed: 1 });
    const seen = await inProcess(world, async (env) => {
      const fs = nodeFs(env);
      await env.fs.writeFile('/a', 'x');
      await new Promise<void>((resolve, reject) => (fs.symlink as (t: string, p: string, cb: (error: Error | null) => void) => void)('/a', '/b', (error) => (error ? reject(error) : resolve())));
      (fs.symlinkSync as (t: string, p: string) => void)('/b', '/c');
      const viaCallback = await new Promise<string>((resolve, reject) => (fs.readlink as (p: string, cb: (error: Error | null, target?: string) => void) => void)('/c', (error, target) => (error ? reject(error) : resolve(target!))));
      return { viaCallback, viaSync: (fs.readlinkSync as (p: string) => string)('/b'), content: (fs.readFileSync as (p: string, e: string) => string)('/c', 'utf8'), isLink: (fs.lstatSync as (p: string) => DirentLike)('/c').isSymbolicLink() };
    });
    expect(seen).toEqual({ viaCallback: '/b', viaSync: '/a', content: 'x', isLink: true });
  });
});

describe('opendir on the simulated volume', () => {
  interface Dir {
    readonly path: string;
    read(): Promise<DirentLike | null>;
    readSync(): DirentLike | null;
    close(): Promise<void>;
    closeSync(): void;
    [Symbol.asyncIterator](): AsyncIterator<DirentLike>;
  }

  test('a Dir hands out the entries, sorted and typed, then null; a closed one refuses', async () => {
    const world = new World({ seed: 1 });
    const seen = await inProcess(world, async (env) => {
      await env.fs.mkdir('/d/sub', { recursive: true });
      await env.fs.writeFile('/d/b.txt', 'x');
      await env.fs.symlink('/d/b.txt', '/d/a-link');
      const dir = (await nodeFs(env).promises.opendir!('/d')) as Dir;
      const read: string[] = [];
      for (let entry = await dir.read(); entry !== null; entry = await dir.read()) read.push(`${entry.name}:${entry.isSymbolicLink() ? 'link' : entry.isDirectory() ? 'dir' : 'file'}`);
      await dir.close();
      const closedRead = await codeOf(dir.read());
      const closedClose = await codeOf(dir.close());
      const iterated: string[] = [];
      for await (const entry of (await nodeFs(env).promises.opendir!('/d')) as Dir) iterated.push(entry.name);
      const syncDir = (nodeFs(env).opendirSync as (path: string) => Dir)('/d');
      const first = syncDir.readSync()?.name;
      syncDir.closeSync();
      return { path: dir.path, read, closedRead, closedClose, iterated, first, missing: await codeOf(nodeFs(env).promises.opendir!('/nope')) };
    });
    expect(seen).toEqual({ path: '/d', read: ['a-link:link', 'b.txt:file', 'sub:dir'], closedRead: 'ERR_DIR_CLOSED', closedClose: 'ERR_DIR_CLOSED', iterated: ['a-link', 'b.txt', 'sub'], first: 'a-link', missing: 'ENOENT' });
    expect(world.trace.events.filter((event) => event.kind === 'fs.opendir').length).toBe(4);
  });

  test('an injected fault fails the opening, in the callback form too', async () => {
    const world = new World({ seed: 1 });
    world.injectFsFault({ code: 'EIO', op: 'opendir', count: 1 });
    const code = await inProcess(world, async (env) => {
      await env.fs.mkdir('/d');
      return new Promise<string | undefined>((resolve) => (nodeFs(env).opendir as (p: string, cb: (error: NodeJS.ErrnoException | null) => void) => void)('/d', (error) => resolve(error?.code)));
    });
    expect(code).toBe('EIO');
  });
});
