/**
 * The flagship scenario: the seed's two bucket workers draining a provider's timed file drops.
 *
 * A provider drops one file every `intervalMs` (15 minutes), named after the UTC time it stands for,
 * sometimes late, with heavy-tailed processing times. `workers` workers poll the bucket, claim files
 * through the chosen lock backend, process each for minutes × `secondsInMin` seconds of virtual time,
 * commit through a fence, and print their statistics every 5 files. Faults crash and restart,
 * pause and skew the workers, fail and slow their storage, delay drops (`lag`: drop N appears
 * `ms` late) and stall a worker just before its next request to the fence (`stall`: a pause at
 * the worst moment, when its lease may lapse while it still believes it holds the file).
 *
 * Invariants: exactly-once, mutual exclusion as the fence sees it, statistics against a naive
 * oracle, liveness at the horizon; and one per protection of the worker (work only under the
 * store's lease, never on a refused claim, no commit after a known loss, every commit through the
 * fence) — see `src/check/bucket/` and `docs/systems/bucket.md`.
 */
import { z } from 'zod';
import {
  claimFactsOf,
  commitThroughFence,
  exactlyOnce,
  liveness,
  mutualExclusion,
  noCommitAfterLoss,
  readBucketVolume,
  refusedClaimNotWorked,
  statistics,
  wholeInput,
  workUnderLease,
  type BucketVolume,
  type ClaimFact,
} from '../src/check/bucket/index.js';
import { feed } from '../src/check/checker.js';
import { leaseBelief } from '../src/check/lock/lease-belief.js';
import { FencedResource } from '../src/locks/fenced-resource.js';
import { defineScenario, type CheckContext } from '../src/scenario/scenario.js';
import { lockDeclarationOf, prepareSimLock, SimLocks, simLockParam } from '../src/scenario/sim-locks.js';
import { isModuleReference, partOf, preparePart, refineModulePath, type PartKind } from '../src/scenario/parts.js';
import { defineFaultKind, type Fault, type FaultKind } from '../src/sim/faults.js';
import { fsError } from '../src/sim/fault-kinds/kernel.js';
import { PendingStalls, stall } from '../src/sim/fault-kinds/stall.js';
import { tracedFence, type CommitFence } from '../src/systems/bucket/fence.js';
import { emitBucket } from '../src/systems/bucket/events.js';
import type { Env } from '../src/env/env.js';
import { BUCKET_MUTANTS, neverExpiringLock, refusalIgnoringLock, UnfencedResource, workerFlawsOf } from '../src/systems/bucket/mutants.js';
import { tracedLock } from '../src/locks/traced-lock.js';
import { planDrops, provideDrops } from '../src/systems/bucket/provider.js';
import { DEFAULT_SETTLE_MS } from '../src/systems/bucket/input-format.js';
import { runBucketWorker, type WorkerOptions } from '../src/systems/bucket/worker.js';

/**
 * A bucket worker: the part of this scenario a user may swap for their own (`--set
 * worker=./my-worker.ts`, or `params: { worker }` in the library API). It runs as one simulated
 * worker process until the horizon, reaching files only through `env.fs` and time only through
 * `env`, and keeps the bucket's protocol as the checkers observe it: inputs in `options.dir`, each
 * claimed through `options.lock`, its output published once (the volume `exactly-once` reads),
 * every commit admitted by `options.fence.admit` (which `mutual-exclusion` reads), and a statistics
 * line (`formatStatsLine`) printed every `STATS_EVERY_FILES` commits (which `statistics` reads).
 * The built-in one is `runBucketWorker`.
 */
export type BucketWorkerMain = (env: Env, options: WorkerOptions) => Promise<void>;

const WORKER_PART: PartKind<BucketWorkerMain> = {
  label: 'bucket worker',
  accepts: (value): value is BucketWorkerMain => typeof value === 'function',
  expected: 'a function (env, options) => Promise<void> running one worker (see runBucketWorker)',
};

/** The worker the run uses: the built-in one, or the user's module or function. */
const workerParam = z.union([z.string().refine(isModuleReference, 'expected the path of a worker module').superRefine(refineModulePath(WORKER_PART)), z.custom<BucketWorkerMain>((value) => typeof value === 'function')]);

function workerMainOf(worker: string | BucketWorkerMain | undefined): BucketWorkerMain {
  if (worker === undefined) return runBucketWorker;
  return typeof worker === 'function' ? worker : partOf(worker, WORKER_PART);
}

/** The bucket directory on the world's volume. */
export const BUCKET_DIR = '/bucket';

const rate = z.number().nonnegative();

const params = z
  .object({
    /** Worker processes, `worker-1` ... */
    workers: z.number().int().positive().max(16).default(2),
    /** Files the provider drops. */
    files: z.number().int().positive().max(1_000).default(24),
    /** Spacing of the drops (and of the names), ms. */
    intervalMs: z.number().int().positive().max(86_400_000).default(900_000),
    /** Seconds of processing per minute written in a file (60: real time; virtual time makes it free). */
    secondsInMin: z.number().positive().default(60),
    /** Wait between looks at an idle bucket, ms. */
    pollMs: z.number().int().min(100).max(3_600_000).default(5_000),
    /** Lease per claimed file, ms; renewed every third of it. */
    leaseTtlMs: z.number().int().positive().default(30_000),
    /** Lock backend the workers claim files with: a spec, a lock module's path, or a factory. */
    lock: simLockParam.default('memory'),
    /** The workers' code: the built-in worker when absent, or a module path / function (`BucketWorkerMain`). */
    worker: workerParam.optional(),
    /** Provider writes under a hidden name and renames; false: in place, in two parts. */
    atomicWrites: z.boolean().default(true),
    /** `marked`: minutes, JSON lines and `#end`; `number-only`: the minutes alone, the seed's own format. */
    fileFormat: z.enum(['marked', 'number-only']).default('marked'),
    /** A file without an end marker is whole once its size and mtime held still this long, ms. */
    settleMs: z.number().int().nonnegative().default(DEFAULT_SETTLE_MS),
    /** Drops appearing late: with this probability, an exponential delay of this mean, capped. */
    lag: z.object({ probability: z.number().min(0).max(1), meanMs: z.number().nonnegative(), maxMs: z.number().nonnegative() }).strict().default({ probability: 0.25, meanMs: 120_000, maxMs: 600_000 }),
    /** Processing minutes per file: log-normal, rounded, clamped. */
    size: z
      .object({ medianMinutes: z.number().positive(), sigma: z.number().nonnegative(), minMinutes: z.number().int().nonnegative(), maxMinutes: z.number().int().positive() })
      .strict()
      .default({ medianMinutes: 10, sigma: 0.7, minMinutes: 1, maxMinutes: 45 }),
    /** Every file operation takes up to this long (object storage is not a local disk), ms. */
    fsLatencyMsMax: z.number().int().nonnegative().default(20),
    /** Expected number of faults of each kind over the drop window. */
    faults: z
      .object({ crash: rate, pause: rate, skew: rate, 'fs-error': rate, 'fs-slow': rate, lag: rate, stall: rate, 'disk-full': rate.optional() })
      .strict()
      .default({ crash: 1.5, pause: 1.5, skew: 1, 'fs-error': 2, 'fs-slow': 1, lag: 2, stall: 1 }),
  })
  .strict();

export type BucketParams = z.infer<typeof params>;

const workerNames = (p: BucketParams): string[] => Array.from({ length: p.workers }, (_, index) => `worker-${index + 1}`);
/** The longest a crashed worker stays down. */
const restartAfterMsMax = (_p: BucketParams): number => 10 * 60_000;
const lagFaultMsMax = (p: BucketParams): number => p.intervalMs;
const pauseMsMax = (p: BucketParams): number => 4 * p.leaseTtlMs;
/** The first file is named one interval past the epoch: `2020_08_18_00_15.txt`. */
const firstDropMs = (p: BucketParams): number => p.intervalMs;
const lastDropMs = (p: BucketParams): number => firstDropMs(p) + (p.files - 1) * p.intervalMs + p.lag.maxMs + lagFaultMsMax(p);
/**
 * Time a file may need after its drop: a worker down for the longest restart, a dead claim's lease
 * running out, the longest file three times over (a backlog), and polls.
 */
const graceMs = (p: BucketParams): number =>
  restartAfterMsMax(p) + pauseMsMax(p) + 2 * p.leaseTtlMs + 3 * p.size.maxMinutes * p.secondsInMin * 1000 + 4 * p.pollMs + (p.fileFormat === 'number-only' ? settleAllowanceMs(p) : 0);
/** A marker-less file is taken once settled: the settle time plus a poll, for each of a backlog's files (a bound, not a guess). */
const settleAllowanceMs = (p: BucketParams): number => 3 * (p.settleMs + p.pollMs);

/** What one run keeps: its lock stores, and the faults left pending for the workload to meet. */
interface BucketState {
  readonly locks: SimLocks;
  /**
   * Stalls armed for workers: each freezes just before its next request to the output store's
   * fence (a GC pause or a partition at the worst moment: the process-pause problem of leases).
   */
  readonly stalls: PendingStalls;
  /** Injected lags: drop index → extra ms. */
  readonly lags: Map<number, number>;
}

/** The bucket's content at the end of the run, read once for the invariants that judge it. */
const finalVolume = (context: CheckContext<BucketParams, BucketState>): Promise<BucketVolume> => readBucketVolume(context.world.fs, BUCKET_DIR);

/** What the bucket checkers read: the trace, the final volume, and the liveness bound of these parameters. */
const bucketInputs = async (context: CheckContext<BucketParams, BucketState>) => ({
  trace: context.trace,
  volume: await context.derive(finalVolume),
  liveness: { graceMs: graceMs(context.params), endMs: context.world.now() },
});

/** The claim facts (store answers, lost leases, claims, commits, fence verdicts), read once for the layered invariants. */
const claimFacts = (context: CheckContext<BucketParams, BucketState>): ClaimFact[] => claimFactsOf(context.trace);
const claimInputs = (context: CheckContext<BucketParams, BucketState>) => ({ claims: context.derive(claimFacts) });

/** A specific drop appears late (`{ "kind": "lag", "file": 3, "ms": 60000 }`): the fault strikes at the time its name stands for. */
const lag = defineFaultKind<BucketState, BucketParams>({
  name: 'lag',
  schema: z
    .object({
      at: z.number().int().nonnegative(),
      kind: z.literal('lag'),
      file: z.number({ required_error: 'required: the index of the drop to delay' }).int().nonnegative(),
      ms: z.number({ required_error: 'required: the delay in ms' }).int().positive('expected ms > 0'),
    })
    .strict(),
  generate(prng, at, _space, p): Fault[] {
    const file = Math.min(p.files - 1, Math.max(0, Math.floor((at - firstDropMs(p)) / p.intervalMs)));
    return [{ at: firstDropMs(p) + file * p.intervalMs, kind: 'lag', file, ms: prng.int(1, lagFaultMsMax(p)) }];
  },
  apply(_world, fault, { lags }) {
    const file = fault.file as number;
    lags.set(file, (lags.get(file) ?? 0) + (fault.ms as number));
  },
  magnitudes: [{ field: 'ms', gentlest: 1 }],
});

/**
 * The kernel's `fs-error`, drawn aimed at one operation of one worker, so it can land on any step
 * of the protocol (a commit's link, a mark-done's rename), not only on the next poll's listing.
 */
const workerFsError: FaultKind<BucketState, BucketParams> = {
  ...fsError,
  generate: (prng, at, space): Fault[] => [
    {
      at,
      kind: 'fs-error',
      target: prng.pick(space.targets),
      op: prng.pick(['readdir', 'readFile', 'writeFile', 'link', 'rename', 'stat', 'unlink', 'mkdir'] as const),
      code: prng.chance(0.5) ? 'EIO' : 'ENOSPC',
      count: prng.int(1, 3),
    },
  ],
};

export default defineScenario<BucketParams, BucketState>({
  name: 'bucket',
  summary: 'workers drain timed file drops exactly once, with leases, fencing and per-worker statistics, under crashes, pauses, skew, I/O faults and late drops',
  params,
  horizonMs: (p) => lastDropMs(p) + graceMs(p),
  faultSpace: (p) => ({
    targets: workerNames(p),
    windowMs: firstDropMs(p) + p.files * p.intervalMs,
    rates: p.faults,
    pauseMsMax: pauseMsMax(p),
    skewMsMax: 2_000,
    restartAfterMsMax: restartAfterMsMax(p),
    fsSlowMsMax: 500,
    fsSlowDurationMsMax: 60_000,
  }),
  faultKinds: [stall((state: BucketState) => state.stalls), lag, workerFsError],
  // `take-unsettled` needs the seed's provider (number-only files written in place), which the default
  // parameters do not draw, so it stays out of the catalogue `mutants --check` proves.
  mutants: Object.fromEntries(Object.entries(BUCKET_MUTANTS).filter(([name]) => name !== 'take-unsettled')),
  shrinkParams: { files: 1, workers: 1 },
  // Under --swarm: the system's size, pace and backend. A lone worker gets drops at least 30 minutes
  // apart (a file takes about 13 minutes on average), so a backlog does not outgrow the liveness bound.
  paramRanges: {
    workers: { min: 1, max: 5, integer: true },
    files: { min: 4, max: 32, integer: true },
    intervalMs: (p) => ({ oneOf: p.workers >= 2 ? [900_000, 1_800_000] : [1_800_000, 3_600_000] }),
    pollMs: { min: 1_000, max: 30_000, integer: true, log: true },
    leaseTtlMs: { min: 10_000, max: 60_000, integer: true },
    lock: { oneOf: ['memory', 'sqlite', 'file'] },
    atomicWrites: { oneOf: [true, false] },
    fileFormat: { oneOf: ['marked', 'number-only'] },
    fsLatencyMsMax: { min: 0, max: 100, integer: true },
  },
  async prepare(p) {
    await prepareSimLock(p.lock);
    if (typeof p.worker === 'string') await preparePart(p.worker, WORKER_PART);
  },

  setup(world, p, { mutant }) {
    world.setFsLatency({ minMs: 0, maxMs: p.fsLatencyMsMax });
    // The output store's fence: one shared service, judged by the world's clock. Its verdicts go
    // into the trace, where the mutual-exclusion checker reads them.
    const resource = mutant === 'no-fencing' ? new UnfencedResource(() => world.now()) : new FencedResource(() => world.now());
    const fence = tracedFence(resource, (operation) => emitBucket(world.loggerFor('fence'), { kind: 'bucket.fence', data: { ...operation } }));
    const state: BucketState = { locks: new SimLocks(world), stalls: new PendingStalls(), lags: new Map() };
    const { stalls, lags } = state;
    /** The fence as worker `env` reaches it: a pending stall freezes the worker just before its request lands. */
    const fenceFor = (env: Env): CommitFence => ({
      async admit(file, token, owner) {
        await stalls.land(world, env);
        return fence.admit(file, token, owner);
      },
    });
    const flaws = workerFlawsOf(mutant);
    const workerMain = workerMainOf(p.worker);

    world.spawn('provider', async (env) => {
      const firstMs = world.epochMs + firstDropMs(p);
      const drops = planDrops({ firstNamedAtMs: firstMs, firstDueMs: firstMs, files: p.files, intervalMs: p.intervalMs, lag: p.lag, size: p.size, random: () => env.random() });
      await provideDrops(env, { dir: BUCKET_DIR, drops, atomicWrites: p.atomicWrites, format: p.fileFormat, extraLagMs: (index) => lags.get(index) ?? 0 });
    });
    for (const name of workerNames(p)) {
      world.spawn(name, (env) => {
        // A graceful stop (SIGTERM) does what it does to `simrun bucket worker`: no new claim, the file
        // under way is finished and committed (its lease released), and the worker returns. Registered
        // first, so a stop at any moment after the worker started is graceful.
        const stop = new AbortController();
        env.onStop?.(() => stop.abort());
        // The store's answers go into the trace (judged by the clock that judges expiry), for the layered invariants.
        const judgeNow = lockDeclarationOf(p.lock).expiryClock === 'caller' ? (): number => env.now() : (): number => world.now();
        const backend = tracedLock(state.locks.create(p.lock, env), env, judgeNow);
        const lock = mutant === 'no-takeover' ? neverExpiringLock(backend) : mutant === 'work-on-refused-claim' ? refusalIgnoringLock(backend) : backend;
        return workerMain(env, { dir: BUCKET_DIR, lock, fence: fenceFor(env), secondsInMin: p.secondsInMin, pollMs: p.pollMs, leaseTtlMs: p.leaseTtlMs, settleMs: p.settleMs, signal: stop.signal, flaws });
      });
    }
    return state;
  },

  invariants: [
    feed(exactlyOnce, bucketInputs),
    mutualExclusion,
    wholeInput,
    statistics,
    feed(liveness, bucketInputs),
    // One invariant per protection, so a bug in one layer shows even while the others mask it.
    ...[workUnderLease, refusedClaimNotWorked, noCommitAfterLoss, commitThroughFence].map((checker) => feed(checker, claimInputs)),
    // What each worker believed about its leases, against the store.
    leaseBelief,
  ],

  teardown: (_world, { locks }) => locks.close(),
});
