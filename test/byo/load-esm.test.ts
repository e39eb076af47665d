/**
 * `load()` of an ES module: each simulated process gets its own instance of the module tree, whose
 * `fs`, `node:fs`, `node:fs/promises`, `crypto`, `perf_hooks`, `timers` and `timers/promises`
 * imports are the process's, CommonJS and ES modules importing each other as in Node. A small ES
 * module lock library runs in the lock scenario to the same trace hash twice in one OS process and
 * in two, and never touches the real filesystem.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/env/errors.js';
import { load } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { World } from '../../src/sim/world.js';
import lockScenario from '../../scenarios/lock.js';
import { simrun } from '../cli/helpers.js';

const fixture = (path: string): string => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));
const PROBE = fixture('esm-library/probe.mjs');
const LOCK_LIBRARY = fixture('esm-lock-library/index.js');
const BACKEND = 'test/byo/fixtures/esm-lock-backend.ts';

interface Probe {
  meta: { url: string; filename: string; resolved: string; builtin: string };
  probe(path: string): Promise<Record<string, unknown>>;
}

interface LockLibrary {
  held: number;
  taken: { file: string; owner: string; token: number }[];
  lock(file: string, options: { stale: number; update?: number }): Promise<{ token: number; tokenFile: string; release(): Promise<void> }>;
  default: { lock: LockLibrary['lock'] };
}

async function probeRun(seed: number): Promise<{ seen: Record<string, unknown>; hash: string; world: World }> {
  const world = new World({ seed, processGlobals: true });
  world.setFsLatency({ minMs: 5, maxMs: 5 });
  let seen: Record<string, unknown> = {};
  world.spawn('esm', async (env) => {
    seen = await load<Probe>(PROBE, { env }).probe('/probe.txt');
  });
  await world.run();
  const { traceHash } = await import('../../src/sim/trace.js');
  return { seen, hash: traceHash(world.trace.events), world };
}

describe('load(): an ES module runs as the simulated process', () => {
  test('its fs, node:fs, node:fs/promises, crypto, perf_hooks and timers imports are the process\'s', async () => {
    const { seen, world } = await probeRun(7);
    expect(world.trace.events.find((event) => event.kind === 'process.error')).toBeUndefined();
    expect(seen).toMatchObject({ text: 'from an ES module', exists: true, viaPromises: 'from an ES module', helper: true, dynamic: true });
    // 5 ms for the write, 250 ms of timers/promises sleep, 100 ms of a node:timers timer, 5 ms for the
    // promise read: virtual time, the synchronous calls between them taking none.
    expect(seen.slept).toBe(255);
    expect(seen.afterTimer).toBe(360);
    expect(seen.now).toBe(world.now());
    expect(world.trace.events.filter((event) => event.kind.startsWith('fs.')).map((event) => event.kind)).toEqual(['fs.writeFile', 'fs.readFile', 'fs.stat', 'fs.readFile']);
    // Randomness from the process's seeded stream: another seed, another draw; the same seed, the same.
    const again = await probeRun(7);
    const other = await probeRun(8);
    expect(again.seen).toEqual(seen);
    expect(other.seen.uuid).not.toBe(seen.uuid);
  });

  test('import.meta names the file and resolves from it', () => {
    const world = new World({ seed: 1 });
    const env = { id: 'meta#1', fs: world.fs } as unknown as Parameters<typeof load>[1]['env'];
    const probe = load<Probe>(PROBE, { env });
    expect(probe.meta).toEqual({
      url: pathToFileURL(PROBE).href,
      filename: PROBE,
      resolved: pathToFileURL(fixture('esm-library/helper.mjs')).href,
      builtin: 'node:fs',
    });
  });

  test('each process has its own instance; live bindings, default and named exports, CommonJS both ways', async () => {
    const world = new World({ seed: 1, processGlobals: true });
    const seen: Record<string, unknown>[] = [];
    const libraries: LockLibrary[] = [];
    for (const name of ['p', 'q']) {
      world.spawn(name, async (env) => {
        const library = load<LockLibrary>(LOCK_LIBRARY, { env });
        libraries.push(library);
        // A second load in the same process is the same instance.
        expect(load(LOCK_LIBRARY, { env })).toBe(library);
        const before = library.held;
        const taken = await library.lock(`/${name}`, { stale: 1_000 });
        const during = library.held;
        await taken.release();
        seen.push({ name, before, during, after: library.held, token: taken.token, tokenFile: taken.tokenFile, sameDefault: library.default.lock === library.lock });
        // A CommonJS file requiring an ES module gets its namespace.
        seen.push({ name, wrapper: load<{ helper: boolean }>(fixture('esm-library/wrapper.cjs'), { env }).helper });
      });
    }
    await world.run();
    expect(seen).toEqual([
      { name: 'p', before: 0, during: 1, after: 0, token: 1, tokenFile: '/p.token', sameDefault: true },
      { name: 'p', wrapper: true },
      { name: 'q', before: 0, during: 1, after: 0, token: 1, tokenFile: '/q.token', sameDefault: true },
      { name: 'q', wrapper: true },
    ]);
    expect(libraries[0]).not.toBe(libraries[1]);
    expect(libraries[0]!.taken).not.toBe(libraries[1]!.taken);
    expect(libraries.map((library) => library.taken.map((entry) => entry.file))).toEqual([['/p'], ['/q']]);
  });

  test('modules importing each other (a cycle) work when they read each other\'s bindings late', () => {
    const world = new World({ seed: 1 });
    const env = { id: 'c#1', fs: world.fs } as unknown as Parameters<typeof load>[1]['env'];
    expect(load<{ a(): string }>(fixture('esm-library/cycle-a.mjs'), { env }).a()).toBe('a then b sees a');
  });

  test('the real filesystem is never touched: what the library writes is on the volume only', async () => {
    const real = mkdtempSync(join(tmpdir(), 'simrun-esm-'));
    try {
      const world = new World({ seed: 1, processGlobals: true });
      let token = 0;
      world.spawn('lib', async (env) => {
        await env.fs.mkdir(real, { recursive: true });
        const taken = await load<LockLibrary>(LOCK_LIBRARY, { env }).lock(`${real}/job`, { stale: 1_000 });
        token = taken.token;
        await env.fs.writeFile(`${real}/job.done`, 'held');
        // Releasing stops the library's heartbeat timer, which would keep the process alive.
        await taken.release();
      });
      await world.run();
      expect(token).toBe(1);
      expect(world.trace.events.some((event) => event.kind === 'fs.mkdir' && (event.data as { path: string }).path === `${real}/job.lock`)).toBe(true);
      expect(await world.fs.readdir(real)).toEqual(['job.done', 'job.token']);
      expect(readdirSync(real)).toEqual([]);
    } finally {
      rmSync(real, { recursive: true, force: true });
    }
  });

  test('a package that exports only under `import` resolves as an import would, subpath patterns included', async () => {
    const project = mkdtempSync(join(tmpdir(), 'simrun-esm-'));
    try {
      const write = (path: string, text: string): void => {
        mkdirSync(join(project, path, '..'), { recursive: true });
        writeFileSync(join(project, path), text);
      };
      write('node_modules/@acme/store/package.json', JSON.stringify({ name: '@acme/store', type: 'module', exports: { '.': { types: './index.d.ts', import: './lib/index.js' }, './adapters/*': { import: './lib/adapters/*.js' } } }));
      write('node_modules/@acme/store/lib/index.js', "import { writeFile } from 'node:fs/promises';\nexport const save = (path, text) => writeFile(path, text);\n");
      write('node_modules/@acme/store/lib/adapters/memory.js', "export const adapter = 'memory';\n");
      write('app.mjs', "import { save } from '@acme/store';\nimport { adapter } from '@acme/store/adapters/memory';\nexport const run = async () => { await save('/saved.txt', adapter); return adapter; };\n");
      const world = new World({ seed: 1 });
      let adapter: string | undefined;
      let named: unknown;
      world.spawn('app', async (env) => {
        adapter = await load<{ run(): Promise<string> }>(join(project, 'app.mjs'), { env }).run();
        // And the package named by the caller, from the project.
        named = typeof load<{ save: unknown }>('@acme/store', { env, from: join(project, 'app.mjs') }).save;
      });
      await world.run();
      expect(adapter).toBe('memory');
      expect(named).toBe('function');
      expect(await world.fs.readFile('/saved.txt', 'utf8')).toBe('memory');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test('top-level await and a syntax error are refused with one line naming the file; a hashbang is fine', () => {
    const world = new World({ seed: 1 });
    const env = { id: 'x#1', fs: world.fs } as unknown as Parameters<typeof load>[1]['env'];
    const refusal = (path: string): string => {
      try {
        load(path, { env });
        return 'loaded';
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as Error).message;
      }
    };
    expect(refusal(fixture('esm-library/top-level-await.mjs'))).toMatch(/^load\(\): '.*top-level-await\.mjs' uses top-level await, which load\(\) cannot run/);
    const directory = mkdtempSync(join(tmpdir(), 'simrun-esm-'));
    try {
      writeFileSync(join(directory, 'broken.mjs'), 'export const ok = true;\nexport const broken = ;\n');
      const message = refusal(join(directory, 'broken.mjs'));
      expect(message).toMatch(/^load\(\): '.*broken\.mjs:2:23' is not a valid ES module: Unexpected ";"$/);
      expect(message).not.toContain('\n');
      // A command-line module's hashbang line is no obstacle.
      writeFileSync(join(directory, 'cli.mjs'), '#!/usr/bin/env node\nexport const ok = 1;\n');
      expect(load<{ ok: number }>(join(directory, 'cli.mjs'), { env }).ok).toBe(1);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    expect(refusal(fixture('esm-library/index.js'))).toBe('loaded');
  });
});

describe('an ES module lock library in the lock scenario', () => {
  test('the same seed gives the same trace hash twice in one OS process', async () => {
    const { default: factory } = await import('./fixtures/esm-lock-backend.js');
    const runs = [];
    // The library reads Date and sets timers itself: it needs the per-process globals (the command line turns them on for --lock).
    for (let attempt = 0; attempt < 2; attempt += 1) runs.push(await runScenario(lockScenario, { seed: 3, params: { lock: factory, ttlMs: 3_000 }, processGlobals: true }));
    expect(runs[0]!.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(runs[1]!.traceHash).toBe(runs[0]!.traceHash);
  });

  test('and the same trace hash in two OS processes', () => {
    const runs = [1, 2].map(() => simrun(['scenario', 'lock', '--seed', '3', '--lock', BACKEND, '--set', 'ttlMs=3000']));
    const hashes = runs.map((run) => /trace hash: ([0-9a-f]{64})/.exec(run.stdout)?.[1]);
    expect(runs[0]!.status === 0 || runs[0]!.status === 1, runs[0]!.stderr).toBe(true);
    expect(hashes[0]).toBeDefined();
    expect(hashes[1]).toBe(hashes[0]);
  });
});
