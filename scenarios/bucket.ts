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
 * oracle, liveness at the horizon (see `src/check/bucket/`).
 */
import { z } from 'zod';
import { checkExactlyOnce, checkLiveness, checkMutualExclusion, checkStatistics, readBucketVolume } from '../src/check/bucket/index.js';
import { FencedResource } from '../src/locks/fenced-resource.js';
import { defineScenario } from '../src/scenario/scenario.js';
import { closeSimLocks, createSimLock, SIM_LOCK_KINDS } from '../src/scenario/sim-locks.js';
import type { Fault } from '../src/sim/faults.js';
import type { World } from '../src/sim/world.js';
import { tracedFence, type CommitFence } from '../src/systems/bucket/fence.js';
import { emitBucket } from '../src/systems/bucket/events.js';
import { processName } from '../src/sim/process-id.js';
import type { Env } from '../src/env/env.js';
import { BUCKET_MUTANTS, neverExpiringLock, UnfencedResource, workerFlawsOf } from '../src/systems/bucket/mutants.js';
import { planDrops, provideDrops } from '../src/systems/bucket/provider.js';
import { runBucketWorker } from '../src/systems/bucket/worker.js';

/** The bucket directory on the world's volume. */
export const BUCKET_DIR = '/bucket';

const rate = z.number().nonnegative();

const params = z
  .object({
    /** Worker processes, `worker-1` ... */
    workers: z.number().int().positive().default(2),
    /** Files the provider drops. */
    files: z.number().int().positive().default(24),
    /** Spacing of the drops (and of the names), ms. */
    intervalMs: z.number().int().positive().default(900_000),
    /** Seconds of processing per minute written in a file (60: real time; virtual time makes it free). */
    secondsInMin: z.number().positive().default(60),
    /** Wait between looks at an idle bucket, ms. */
    pollMs: z.number().int().positive().default(5_000),
    /** Lease per claimed file, ms; renewed every third of it. */
    leaseTtlMs: z.number().int().positive().default(30_000),
    /** Lock backend the workers claim files with. */
    lock: z.enum(SIM_LOCK_KINDS).default('memory'),
    /** Provider writes under a hidden name and renames; false: in place, in two parts. */
    atomicWrites: z.boolean().default(true),
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
      .object({ crash: rate, pause: rate, skew: rate, 'fs-error': rate, 'fs-slow': rate, lag: rate, stall: rate })
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
const graceMs = (p: BucketParams): number => restartAfterMsMax(p) + pauseMsMax(p) + 2 * p.leaseTtlMs + 3 * p.size.maxMinutes * p.secondsInMin * 1000 + 4 * p.pollMs;

/**
 * Stalls per world: worker name → ms it will freeze for just before its next request to the output
 * store's fence (a GC pause or a partition at the worst moment: the process-pause problem of leases).
 */
const pendingStalls = new WeakMap<World, Map<string, number>>();

function stallsOf(world: World): Map<string, number> {
  let stalls = pendingStalls.get(world);
  if (stalls === undefined) pendingStalls.set(world, (stalls = new Map()));
  return stalls;
}

/** Injected lags per world: drop index → extra ms. */
const injectedLags = new WeakMap<World, Map<number, number>>();

function lagsOf(world: World): Map<number, number> {
  let lags = injectedLags.get(world);
  if (lags === undefined) injectedLags.set(world, (lags = new Map()));
  return lags;
}

export default defineScenario<BucketParams>({
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
    extraGenerators: {
      stall: (prng, at): Fault => ({ at, kind: 'stall', target: prng.pick(workerNames(p)), ms: prng.int(1, pauseMsMax(p)) }),
      // A storage error aimed at one operation of one worker, so it can land on any step of the
      // protocol (a commit's link, a mark-done's rename), not only on the next poll's listing.
      'fs-error': (prng, at): Fault => ({
        at,
        kind: 'fs-error',
        target: prng.pick(workerNames(p)),
        op: prng.pick(['readdir', 'readFile', 'writeFile', 'link', 'rename', 'stat', 'unlink', 'mkdir'] as const),
        code: prng.chance(0.5) ? 'EIO' : 'ENOSPC',
        count: prng.int(1, 3),
      }),
      // A specific drop appears late: the fault strikes at the time its name stands for.
      lag: (prng, at): Fault => {
        const file = Math.min(p.files - 1, Math.max(0, Math.floor((at - firstDropMs(p)) / p.intervalMs)));
        return { at: firstDropMs(p) + file * p.intervalMs, kind: 'lag', file, ms: prng.int(1, lagFaultMsMax(p)) };
      },
    },
  }),
  faultKinds: {
    lag: {
      schema: z
        .object({
          at: z.number().int().nonnegative(),
          kind: z.literal('lag'),
          file: z.number({ required_error: 'required: the index of the drop to delay' }).int().nonnegative(),
          ms: z.number({ required_error: 'required: the delay in ms' }).int().positive('expected ms > 0'),
        })
        .strict(),
      magnitudes: [{ field: 'ms', gentlest: 1 }],
      apply(world, fault) {
        const lags = lagsOf(world);
        const file = fault.file as number;
        lags.set(file, (lags.get(file) ?? 0) + (fault.ms as number));
      },
    },
    stall: {
      schema: z
        .object({
          at: z.number().int().nonnegative(),
          kind: z.literal('stall'),
          target: z.string({ required_error: 'required: the worker to stall' }).min(1),
          ms: z.number({ required_error: 'required: how long it stalls, ms' }).int().positive('expected ms > 0'),
        })
        .strict(),
      magnitudes: [{ field: 'ms', gentlest: 1 }],
      apply(world, fault) {
        stallsOf(world).set(fault.target as string, fault.ms as number);
      },
    },
  },
  mutants: BUCKET_MUTANTS,
  shrinkParams: { files: 1, workers: 1 },

  setup(world, p, { mutant }) {
    world.setFsLatency({ minMs: 0, maxMs: p.fsLatencyMsMax });
    // The output store's fence: one shared service, judged by the world's clock. Its verdicts go
    // into the trace, where the mutual-exclusion checker reads them.
    const resource = mutant === 'no-fencing' ? new UnfencedResource(() => world.now()) : new FencedResource(() => world.now());
    const fence = tracedFence(resource, (operation) => emitBucket({ log: (kind, data) => world.record('fence', kind, data) }, { kind: 'bucket.fence', data: { ...operation } }));
    const stalls = stallsOf(world);
    /** The fence as worker `env` reaches it: a pending stall freezes the worker just before its request lands. */
    const fenceFor = (env: Env): CommitFence => ({
      async admit(file, token, owner) {
        const name = processName(env.id);
        const stallMs = stalls.get(name);
        if (stallMs !== undefined) {
          stalls.delete(name);
          world.pause(name, stallMs);
          await env.sleep(0);
        }
        return fence.admit(file, token, owner);
      },
    });
    const flaws = workerFlawsOf(mutant);

    world.spawn('provider', async (env) => {
      const firstMs = world.epochMs + firstDropMs(p);
      const drops = planDrops({ firstNamedAtMs: firstMs, firstDueMs: firstMs, files: p.files, intervalMs: p.intervalMs, lag: p.lag, size: p.size, random: () => env.random() });
      const lags = lagsOf(world);
      await provideDrops(env, { dir: BUCKET_DIR, drops, atomicWrites: p.atomicWrites, extraLagMs: (index) => lags.get(index) ?? 0 });
    });
    for (const name of workerNames(p)) {
      world.spawn(name, (env) => {
        const backend = createSimLock(world, p.lock, env);
        const lock = mutant === 'no-takeover' ? neverExpiringLock(backend) : backend;
        return runBucketWorker(env, { dir: BUCKET_DIR, lock, fence: fenceFor(env), secondsInMin: p.secondsInMin, pollMs: p.pollMs, leaseTtlMs: p.leaseTtlMs, flaws });
      });
    }
  },

  invariants: [
    {
      name: 'exactly-once',
      description: 'every dropped file is committed exactly once, with the right output, and no input is ever lost',
      check: async ({ trace, world }) => checkExactlyOnce(trace, await readBucketVolume(world.fs, BUCKET_DIR)),
    },
    {
      name: 'mutual-exclusion',
      description: 'the fence never admitted a stale token, nor one token for two workers',
      check: ({ trace }) => checkMutualExclusion(trace),
    },
    {
      name: 'statistics',
      description: 'every "Files processed" line equals a naive recomputation over that worker\'s committed files',
      check: ({ trace }) => checkStatistics(trace),
    },
    {
      name: 'liveness',
      description: 'every dropped file is done by the horizon if workers ran long enough after its drop',
      check: async ({ trace, world, params: p }) => checkLiveness(trace, await readBucketVolume(world.fs, BUCKET_DIR), { graceMs: graceMs(p), endMs: world.now() }),
    },
  ],

  teardown(world) {
    closeSimLocks(world);
  },
});
