/**
 * simrun as a user's project gets it: the packed tarball unpacked into a fresh project's
 * node_modules, next to simrun's production dependencies only (the packages package-lock.json does
 * not mark dev; linked from this install, since tests reach no registry) and the project's own
 * TypeScript, @types/node and vitest. The project writes its own lock backend and scenario, type-checks
 * them with `skipLibCheck: false`, and runs `npx simrun fuzz`, `npx simrun lock-contract` and its own
 * vitest suite on them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../cli/helpers.js';

let project: string;

const LOCK = `import { createMemoryLock, defineLockBackend, MemoryLockState, type LockBackend } from 'simrun';

/** Our lock server: one store per run, judged by the store's clock. */
export default defineLockBackend(({ shared, storeNow }): LockBackend => {
  let state = shared.get('state') as MemoryLockState | undefined;
  if (state === undefined) shared.set('state', (state = new MemoryLockState()));
  return createMemoryLock({ now: storeNow, state });
}, { expiryClock: 'store', failureModel: 'remote' });
`;

const SCENARIO = `import { defineScenario, prepareSimLock, SimLocks, simLockParam, withLock, z, type Checker, type CheckContext } from 'simrun';

const params = z.object({ workers: z.number().int().positive().default(3), lock: simLockParam.default('./my-lock.ts') }).strict();
type Params = z.infer<typeof params>;

/** Our invariant: critical sections never overlap. */
const noOverlap: Checker<CheckContext<Params, SimLocks>> = {
  name: 'no-overlap',
  description: 'two workers are never inside the critical section at once',
  check: ({ trace }) => {
    const inside = new Set<string>();
    for (const event of trace) {
      if (event.kind === 'enter' && inside.size > 0) return [{ invariant: 'no-overlap', message: \`\${event.pid} entered while \${[...inside].join(', ')} was inside\`, atMs: event.t }];
      if (event.kind === 'enter') inside.add(event.pid);
      // A crashed holder never leaves: its lease lapses, and the next holder may enter.
      if (event.kind === 'leave' || event.kind === 'process.crash') inside.delete(event.pid);
    }
    return [];
  },
};

export default defineScenario<Params, SimLocks>({
  name: 'our-workers',
  summary: 'our workers take turns through our lock',
  params,
  horizonMs: () => 20_000,
  faultSpace: (p) => ({ targets: Array.from({ length: p.workers }, (_, i) => \`w-\${i + 1}\`), windowMs: 10_000, rates: { crash: 1, skew: 1 }, restartAfterMsMax: 1_000, skewMsMax: 500 }),
  prepare: (p) => prepareSimLock(p.lock),
  setup(world, p) {
    const locks = new SimLocks(world);
    for (let i = 1; i <= p.workers; i += 1) {
      world.spawn(\`w-\${i}\`, async (env) => {
        const lock = locks.create(p.lock, env);
        for (;;) {
          await withLock(lock, 'job', env.id, async () => {
            env.log('enter');
            await env.sleep(100);
            env.log('leave');
          }, { env, ttlMs: 5_000 }).catch(() => undefined);
          await env.sleep(Math.floor(env.random() * 200));
        }
      });
    }
    return locks;
  },
  invariants: [noOverlap],
  teardown: (_world, locks) => locks.close(),
});
`;

const SUITE = `import { expect, test } from 'vitest';
import { load, runScenario, World } from 'simrun';
import scenario from './my-scenario.js';

// A hang detector, not a timer: vitest's 5 s default is too short for three seeds on a busy machine.
test('our scenario passes its seeds', { timeout: 120_000 }, async () => {
  for (const seed of [1, 2, 3]) expect((await runScenario(scenario, { seed })).status).toBe('passed');
});

test('our ES module library writes to the simulated filesystem through load()', async () => {
  const world = new World({ seed: 1 });
  let text = '';
  world.spawn('app', async (env) => {
    const library = load<{ save(path: string, text: string): Promise<void> }>('./notes.mjs', { env, from: import.meta.url });
    await library.save('/note.txt', 'kept');
    text = await env.fs.readFile('/note.txt', 'utf8');
  });
  await world.run();
  expect(text).toBe('kept');
});
`;

/** An ES module of the project's own, importing node:fs/promises: load() runs it in a simulated process. */
const ESM_LIBRARY = `import { writeFile } from 'node:fs/promises';
export const save = (path, text) => writeFile(path, text);
`;

function run(command: string, args: readonly string[], cwd = project): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' }, timeout: 400_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'simrun-consumer-'));
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, 'simrun'), { recursive: true });
  execFileSync('tar', ['xzf', join(project, packed), '-C', join(modules, 'simrun'), '--strip-components=1']);
  const installed = realpathSync(join(ROOT, 'node_modules'));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  const link = (name: string): void => {
    const target = join(modules, name);
    if (existsSync(target) || !existsSync(join(installed, name))) return;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(installed, name), target);
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.slice('node_modules/'.length);
    if (!path.startsWith('node_modules/') || name.includes('/node_modules/') || entry.dev === true || entry.devOptional === true) continue;
    link(name);
  }
  // The project's own development tools.
  for (const name of ['typescript', 'vitest', '@vitest/runner', '@vitest/expect', '@vitest/snapshot', '@vitest/spy', '@vitest/utils', '@vitest/pretty-format', '@vitest/mocker', 'vite']) link(name);
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync('../simrun/bin/run.js', join(modules, '.bin', 'simrun'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true, dependencies: { simrun: '0.1.0' } }, null, 2));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] }, include: ['*.ts'] }, null, 2));
  writeFileSync(join(project, 'my-lock.ts'), LOCK);
  writeFileSync(join(project, 'my-scenario.ts'), SCENARIO);
  writeFileSync(join(project, 'our.test.ts'), SUITE);
  writeFileSync(join(project, 'notes.mjs'), ESM_LIBRARY);
}, 300_000);

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

describe('a project that installs the packed simrun', () => {
  test('type-checks its own lock and scenario with skipLibCheck: false', () => {
    const tsc = run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', '.']);
    expect(tsc.output).toBe('');
    expect(tsc.status).toBe(0);
  }, 400_000);

  test('npx simrun fuzz runs its scenario, and lock-contract keeps its lock', () => {
    const fuzz = run('npx', ['--offline', 'simrun', 'fuzz', './my-scenario.ts', '--runs', '6', '--workers', '1']);
    expect(fuzz.output).toContain('PASSED: 6 runs');
    expect(fuzz.status).toBe(0);
    const contract = run('npx', ['--offline', 'simrun', 'lock-contract', './my-lock.ts', '--runs', '4', '--workers', '1']);
    expect(contract.output).toContain('KEPT');
    expect(contract.status).toBe(0);
  }, 400_000);

  test('the same files in a package without "type": "module" (npm\'s default, where tsx runs .ts as CommonJS) load alike', () => {
    const commonjs = join(project, 'commonjs');
    mkdirSync(commonjs);
    writeFileSync(join(commonjs, 'package.json'), JSON.stringify({ name: 'consumer-commonjs', version: '1.0.0', private: true }, null, 2));
    writeFileSync(join(commonjs, 'my-lock.ts'), LOCK);
    writeFileSync(join(commonjs, 'my-scenario.ts'), SCENARIO);
    const bin = join(project, 'node_modules/simrun/bin/run.js');
    const scenario = run(process.execPath, [bin, 'scenario', './my-scenario.ts', '--seed', '1'], commonjs);
    expect(scenario.output).toContain('PASSED');
    expect(scenario.status).toBe(0);
    const contract = run(process.execPath, [bin, 'lock-contract', './my-lock.ts', '--runs', '2', '--workers', '1'], commonjs);
    expect(contract.output).toContain('KEPT');
    expect(contract.status).toBe(0);
  }, 400_000);

  test('its own vitest suite runs its scenario through the library', () => {
    const suite = run(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project]);
    expect(suite.output).toContain('2 passed');
    expect(suite.status).toBe(0);
  }, 400_000);
});
