/**
 * A user's own lock backend in the built-in scenarios: as a factory in the library API, as a module
 * path on the command line, judged by `simrun lock-contract` (the broken example caught, the
 * correct one kept), and the failure model each backend declares deciding the faults it meets.
 */
import { describe, expect, test } from 'vitest';
import { checkContractRules, createMemoryLock, defineLockBackend, MemoryLockState, runScenario, type LockBackendFactory } from '../../src/index.js';
import lockScenario from '../../scenarios/lock.js';
import bucketScenario from '../../scenarios/bucket.js';
import { lockDeclarationOf } from '../../src/scenario/sim-locks.js';
import { simrun } from '../cli/helpers.js';

/** A lock server kept in the run's shared map, judged by the store's clock: a correct backend. */
const serverFactory: LockBackendFactory = defineLockBackend(({ shared, storeNow }) => {
  let state = shared.get('state') as MemoryLockState | undefined;
  if (state === undefined) shared.set('state', (state = new MemoryLockState()));
  return createMemoryLock({ now: storeNow, state });
});

/** The same server, but each process gets its own state: no exclusion across processes at all. */
const privateStateFactory: LockBackendFactory = defineLockBackend(({ storeNow }) => createMemoryLock({ now: storeNow }));

describe('a user lock backend in the library API', () => {
  test('params.lock takes a factory, and a correct one passes the lock scenario', async () => {
    for (const seed of [1, 2, 3]) {
      const result = await runScenario(lockScenario, { seed, params: { lock: serverFactory } });
      expect(result.status, `seed ${seed}: ${result.violations[0]?.message}`).toBe('passed');
    }
  });

  test('a backend that shares nothing between processes breaks lease exclusion', async () => {
    const result = await runScenario(lockScenario, { seed: 1, params: { lock: privateStateFactory } });
    expect(result.status).toBe('violated');
    expect(result.violations.map((violation) => violation.invariant)).toContain('lease-exclusion');
  });

  test('the bucket scenario runs on a user factory too', async () => {
    const result = await runScenario(bucketScenario, { seed: 1, params: { lock: serverFactory, files: 6 } });
    expect(result.status).toBe('passed');
  });

  test('the contract rules hold for a correct backend and name the ones a broken backend breaks', async () => {
    expect((await checkContractRules(serverFactory)).filter((verdict) => verdict.problem !== undefined)).toEqual([]);
    const sloppyRelease = defineLockBackend((context) => {
      const inner = serverFactory(context) as ReturnType<typeof createMemoryLock>;
      // Answers true whatever happened: the caller can no longer tell that its lease was gone.
      return { ...inner, release: async (lease) => (await inner.release(lease), true) };
    });
    const broken = (await checkContractRules(sloppyRelease)).filter((verdict) => verdict.problem !== undefined).map((verdict) => verdict.rule);
    expect(broken).toEqual(['owner-only-release', 'late-release-harmless']);
  });
});

describe('failure models', () => {
  test('built-in backends declare theirs; a user factory declares its own, remote by default', () => {
    expect(lockDeclarationOf('memory')).toEqual({ expiryClock: 'store', failureModel: 'remote' });
    expect(lockDeclarationOf('file')).toEqual({ expiryClock: 'caller', failureModel: 'in-process' });
    expect(lockDeclarationOf('sqlite').failureModel).toBe('in-process');
    expect(lockDeclarationOf(serverFactory)).toEqual({ expiryClock: 'store', failureModel: 'remote' });
    expect(lockDeclarationOf(defineLockBackend(serverFactory, { failureModel: 'in-process', expiryClock: 'caller' }))).toEqual({ expiryClock: 'caller', failureModel: 'in-process' });
  });

  test('an in-process backend meets no lock-call faults; a remote one does', async () => {
    const inProcess = defineLockBackend(serverFactory, { failureModel: 'in-process' });
    for (const seed of [1, 2, 3, 4]) {
      const local = await runScenario(lockScenario, { seed, params: { lock: inProcess } });
      expect(local.plan.filter((fault) => fault.kind === 'lock-slow' || fault.kind === 'stall')).toEqual([]);
      expect(local.trace.filter((event) => event.kind === 'lock.fault')).toEqual([]);
    }
    const remote = await Promise.all([1, 2, 3, 4].map((seed) => runScenario(lockScenario, { seed, params: { lock: serverFactory } })));
    expect(remote.flatMap((run) => run.trace.filter((event) => event.kind === 'lock.fault')).length).toBeGreaterThan(0);
  });
});

describe('simrun lock-contract and --lock MODULE', () => {
  test('catches the broken example lease server: the rules it broke, a failing seed, replay commands, exit 1', () => {
    const run = simrun(['lock-contract', 'examples/lock-backend/broken-lease-server.ts', '--runs', '20', '--workers', '1']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('✗ owner-only-release');
    expect(run.stdout).toContain('replay: simrun lock-contract examples/lock-backend/broken-lease-server.ts --rule owner-only-release');
    expect(run.stdout).toMatch(/✗ seed \d+: lease-exclusion/);
    expect(run.stdout).toMatch(/replay: simrun scenario lock --seed \d+ --set lock=examples\/lock-backend\/broken-lease-server\.ts --plan /);
    expect(run.stdout).toContain('BROKEN: owner-only-release, late-release-harmless, lease-exclusion');
  });

  test('fuzz on two worker threads shrinks a failure of a lock module, and the printed replay reproduces it', () => {
    // The shrink runs on the main thread, which never ran a seed: the module must be loaded before
    // the plan is checked against the fault space it declares. So must a replay's.
    const fuzz = simrun(['fuzz', 'lock', '--lock', 'examples/lock-backend/broken-lease-server.ts', '--runs', '12', '--workers', '2', '--out-dir', 'reports/byo-test']);
    expect(fuzz.status, fuzz.stdout + fuzz.stderr).toBe(1);
    expect(fuzz.stdout).toMatch(/shrunk in \d+ runs/);
    const replay = /replay: simrun (scenario lock .* --plan \S+)/.exec(fuzz.stdout)?.[1];
    expect(replay, fuzz.stdout).toBeDefined();
    const replayed = simrun((replay as string).split(' '));
    expect(replayed.status, replayed.stdout + replayed.stderr).toBe(1);
    expect(replayed.stdout).toMatch(/✗ lease-exclusion/);
  });

  test('keeps the correct example, and the module runs in a scenario with the same trace hash in two processes', () => {
    const run = simrun(['lock-contract', 'examples/lock-backend/lease-server.ts', '--runs', '5', '--workers', '1']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('KEPT');
    const hashes = [1, 2].map(() => /trace hash: (\w+)/.exec(simrun(['scenario', 'lock', '--seed', '7', '--lock', 'examples/lock-backend/lease-server.ts']).stdout)?.[1]);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[1]).toBe(hashes[0]);
  });

  test('a missing or malformed module is one line and exit 2', () => {
    const missing = simrun(['scenario', 'lock', '--lock', './no-such-lock.ts']);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe("simrun: scenario 'lock': parameter 'lock': lock backend module not found: ./no-such-lock.ts");
    const notAFactory = simrun(['lock-contract', 'package.json']);
    expect(notAFactory.status).toBe(2);
    expect(notAFactory.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  test("a user's bucket worker runs in the built-in bucket scenario", () => {
    const run = simrun(['fuzz', 'bucket', '--set', 'worker=examples/bucket-worker/my-worker.ts', '--set', 'files=8', '--runs', '4', '--workers', '1', '--no-shrink', '--out-dir', 'reports/byo-test']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('PASSED: 4 runs');
  });
});
