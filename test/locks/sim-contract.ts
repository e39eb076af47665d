/**
 * The lease contract under simulation: several processes contend for one key under virtual time
 * while the world crashes, pauses and skews them and slows and fails their storage and lock calls.
 *
 * The verdict comes from the protected resource, not from the lock: a `FencedResource` logs every
 * critical section (start and end) and every write with its token. Always required: no token
 * accepted from two owners, no stale token accepted, no process dying of an unexpected error, and
 * progress. Required where leases alone must suffice (crashes, slow and failing storage, skew under a
 * store-side clock): no two critical sections overlap. A pause past expiry or a skewed caller clock
 * *can* make sections overlap; there only fencing keeps the resource safe, and that is what is checked.
 */
import type { Env } from '../../src/env/env.js';
import { FencedResource, findFenceViolations, LockLostError, LockTimeoutError, withLock, withLockLatency, type LockBackend, type LockLatencyOptions } from '../../src/locks/index.js';
import { processName } from '../../src/sim/process-id.js';
import { World } from '../../src/sim/world.js';

/** How simulated processes reach one shared lock state. */
export interface SimLockFixture {
  /** `store`: expiry judged by one clock for everyone (a server's); `caller`: by each process's own. */
  readonly clock: 'store' | 'caller';
  /** The backend as process `env` uses it. */
  forProcess(env: Env): LockBackend;
  dispose?(): void;
}

export type SimLockFixtureFactory = (world: World) => SimLockFixture;

export interface SimScenario {
  readonly name: string;
  /** Whether critical sections may overlap here for a correct backend (so only fencing is judged). */
  overlapAllowed(fixture: SimLockFixture): boolean;
  /** Lock-call latency and failures, if any. */
  readonly lockCalls?: LockLatencyOptions;
  setUp(world: World, probe: SimProbe): void;
}

/** What fault actions may ask about the run: who is inside a critical section right now. */
export interface SimProbe {
  /** The process name (not incarnation) inside a critical section, or `undefined`. */
  holder(): string | undefined;
}

const KEY = 'job';
const TTL_MS = 300;
const WORKERS = ['worker-1', 'worker-2', 'worker-3'];
const HORIZON_MS = 6_000;

export const simScenarios: readonly SimScenario[] = [
  {
    name: 'a holder crashes and restarts',
    overlapAllowed: () => false,
    setUp(world, probe) {
      for (const at of [450, 1_300, 2_600, 3_900]) {
        world.at(at, () => {
          const name = probe.holder() ?? 'worker-1';
          world.crash(name);
          world.at(at + 700, () => world.restart(name));
        });
      }
    },
  },
  {
    name: 'storage and lock calls are slow and fail, some after taking effect',
    overlapAllowed: () => false,
    lockCalls: { minMs: 1, maxMs: 30, failRate: 0.1, timeoutAfterEffectRate: 0.1 },
    setUp(world) {
      world.setFsLatency({ minMs: 1, maxMs: 15 });
      world.at(200, () => world.injectFsFault({ code: 'EIO', op: 'link', count: 3 }));
      world.at(900, () => world.injectFsFault({ code: 'ENOSPC', op: 'writeFile', count: 3 }));
      world.at(1_700, () => world.injectFsFault({ code: 'EIO', op: 'readdir', count: 4 }));
      world.at(2_500, () => world.injectFsFault({ code: 'EIO', op: 'readFile', count: 4 }));
    },
  },
  {
    name: 'a holder pauses past its lease',
    overlapAllowed: () => true,
    lockCalls: { minMs: 1, maxMs: 10 },
    setUp(world, probe) {
      world.setFsLatency({ minMs: 1, maxMs: 5 });
      for (const at of [420, 1_500, 2_800, 4_100]) world.at(at, () => world.pause(probe.holder() ?? 'worker-1', 2 * TTL_MS));
    },
  },
  {
    name: "one process's clock runs ahead of the others",
    overlapAllowed: (fixture) => fixture.clock === 'caller',
    lockCalls: { minMs: 1, maxMs: 10 },
    setUp(world) {
      world.setFsLatency({ minMs: 1, maxMs: 5 });
      world.at(0, () => world.setSkew('worker-2', 2 * TTL_MS));
      world.at(3_000, () => world.setSkew('worker-3', -TTL_MS));
    },
  },
];

/** What a scenario run produced: the problems found, and figures for reports and sanity checks. */
export interface SimRunResult {
  readonly problems: string[];
  readonly sections: number;
  readonly refusedWrites: number;
  readonly overlaps: number;
  readonly traceHash: string;
}

/** Runs one scenario at one seed against a backend and judges the resource's log. */
export async function runSimScenario(factory: SimLockFixtureFactory, scenario: SimScenario, seed: number): Promise<SimRunResult> {
  const world = new World({ seed, horizonMs: HORIZON_MS });
  const fixture = factory(world);
  const resource = new FencedResource(() => world.now());
  const sectionsByOwner = new Map<string, number>();
  let holder: string | undefined;
  const probe: SimProbe = { holder: () => holder };

  const worker = async (env: Env): Promise<void> => {
    const direct = fixture.forProcess(env);
    const backend = scenario.lockCalls === undefined ? direct : withLockLatency(direct, env, scenario.lockCalls);
    for (;;) {
      try {
        await withLock(backend, KEY, env.id, async (signal, lease) => {
          holder = processName(env.id);
          await criticalSection(env, resource, signal, lease.token);
          if (holder === processName(env.id)) holder = undefined;
        }, {
          env,
          ttlMs: TTL_MS,
          acquireTimeoutMs: 2_000,
          backoff: { minMs: 5, maxMs: 80 },
        });
        sectionsByOwner.set(env.id, (sectionsByOwner.get(env.id) ?? 0) + 1);
      } catch (error) {
        if (!(error instanceof LockTimeoutError || error instanceof LockLostError)) throw error;
      }
      await env.sleep(1 + Math.floor(env.random() * 40));
    }
  };
  for (const name of WORKERS) world.spawn(name, worker);
  scenario.setUp(world, probe);

  const problems: string[] = [];
  try {
    await world.run();
  } catch (error) {
    problems.push(`the simulation failed: ${String(error)}`);
  }
  fixture.dispose?.();

  const violations = findFenceViolations(resource.log);
  const overlaps = violations.filter((violation) => violation.kind === 'overlap');
  for (const violation of violations) {
    if (violation.kind !== 'overlap' || !scenario.overlapAllowed(fixture)) problems.push(violation.message);
  }
  for (const event of world.trace.events) {
    if (event.kind === 'process.error') problems.push(`${event.pid} died: ${JSON.stringify(event.data)}`);
  }
  const sections = [...sectionsByOwner.values()].reduce((sum, count) => sum + count, 0);
  if (sections < 10) problems.push(`no progress: only ${sections} critical sections completed in ${HORIZON_MS} ms`);
  if (sectionsByOwner.size < 2) problems.push(`only ${[...sectionsByOwner.keys()].join(', ') || 'nobody'} ever held the lock`);
  return {
    problems: problems.map((problem) => `seed ${seed}, ${scenario.name}: ${problem}`),
    sections,
    refusedWrites: resource.log.filter((op) => op.outcome === 'refused').length,
    overlaps: overlaps.length,
    traceHash: world.trace.hash(),
  };
}

/** A critical section: a span on the resource holding three fenced writes 20 ms apart. */
async function criticalSection(env: Env, resource: FencedResource, signal: AbortSignal, token: number): Promise<void> {
  await resource.write(KEY, token, env.id, async () => {
    for (let step = 0; step < 3; step += 1) {
      if (signal.aborted) return;
      resource.accept(`${KEY}/data`, token, env.id);
      await env.sleep(20, signal).catch(() => undefined);
    }
  });
}
