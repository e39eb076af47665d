/**
 * The lock itself on trial: processes take turns on a few keys through one lock backend, each
 * critical section writing a protected resource with its fencing token, while the world crashes,
 * pauses and skews them, fails and slows their storage, and slows their calls to the lock store.
 *
 * The other scenarios guard their resources with fencing, which is right for a system and hides a
 * broken lock (a fence refuses the second holder's writes). Here the store's answers are judged
 * directly (`tracedLock` writes them into the trace): at most one live lease per key, tokens that
 * only grow, no expired lease revived; then the resource's fencing, and progress once faults settle.
 *
 * Clocks: the memory and SQLite stores judge expiry by one clock (the server's, the database's),
 * so exclusion is exact. The file lock judges by each caller's clock and is exclusive only up to
 * the clocks' disagreement: its tolerance is twice the largest skew a seed may inject.
 */
import { z } from 'zod';
import { checkFencing, checkLeaseContract, checkLeaseExclusion, checkProgress, lockHistoryFromTrace, type LockHistory } from '../src/check/lock/index.js';
import type { Env } from '../src/env/env.js';
import { FencedResource } from '../src/locks/fenced-resource.js';
import type { LockBackend } from '../src/locks/lock.js';
import { createMemoryLock, MemoryLockState } from '../src/locks/memory-lock.js';
import { lockMutants, UnfencedResource } from '../src/locks/mutants.js';
import { withLockLatency, type LockLatencyOptions } from '../src/locks/sim-proxy.js';
import { tracedLock } from '../src/locks/traced-lock.js';
import { LockLostError, LockTimeoutError } from '../src/locks/errors.js';
import { withLock } from '../src/locks/with-lock.js';
import { resourceEvents } from '../src/locks/events.js';
import { defineScenario } from '../src/scenario/scenario.js';
import { closeSimLocks, createSimLock, SIM_LOCK_DIR, SIM_LOCK_KINDS } from '../src/scenario/sim-locks.js';
import { processName } from '../src/sim/process-id.js';
import type { Fault } from '../src/sim/faults.js';
import type { TraceEvent } from '../src/sim/trace.js';
import type { World } from '../src/sim/world.js';

const rate = z.number().nonnegative();

const params = z
  .object({
    /** Contending processes, `client-1` ... */
    processes: z.number().int().positive().default(3),
    /** Keys they take turns on, `key-1` ...; each section picks one. */
    keys: z.number().int().positive().default(2),
    /** Lock backend. */
    lock: z.enum(SIM_LOCK_KINDS).default('memory'),
    /** Lease length, ms; `withLock` renews every third of it. */
    ttlMs: z.number().int().positive().default(1_000),
    /** Writes per critical section, and the time between them (a section spans several renewals). */
    steps: z.number().int().positive().default(5),
    stepMs: z.number().int().positive().default(200),
    /** A process rests up to this long between sections, so keys are sometimes free and sometimes contended. */
    thinkMsMax: z.number().int().nonnegative().default(1_500),
    /** Length of the run; faults land in its first half and settle before its last quarter. */
    durationMs: z.number().int().positive().default(60_000),
    /** One-way latency of a lock call, and how often one fails before or after taking effect. */
    lockCalls: z
      .object({ minMs: z.number().int().nonnegative(), maxMs: z.number().int().nonnegative(), failRate: z.number().min(0).max(1), timeoutAfterEffectRate: z.number().min(0).max(1) })
      .strict()
      .default({ minMs: 1, maxMs: 20, failRate: 0.02, timeoutAfterEffectRate: 0.02 }),
    /** Every file operation takes up to this long, ms. */
    fsLatencyMsMax: z.number().int().nonnegative().default(10),
    /** Largest clock offset a skew fault sets, either way. */
    skewMsMax: z.number().int().nonnegative().default(2_000),
    /** Expected number of faults of each kind per run. */
    faults: z
      .object({ crash: rate, pause: rate, skew: rate, 'fs-error': rate, 'fs-slow': rate, 'lock-slow': rate, stall: rate })
      .strict()
      .default({ crash: 2, pause: 2, skew: 2, 'fs-error': 2, 'fs-slow': 1, 'lock-slow': 1, stall: 2 }),
  })
  .strict();

export type LockParams = z.infer<typeof params>;

const processNames = (p: LockParams): string[] => Array.from({ length: p.processes }, (_, index) => `client-${index + 1}`);
const keyNames = (p: LockParams): string[] => Array.from({ length: p.keys }, (_, index) => `key-${index + 1}`);
const faultWindowMs = (p: LockParams): number => Math.floor(p.durationMs / 2);
const restartAfterMsMax = (p: LockParams): number => Math.floor(p.durationMs / 10);
const pauseMsMax = (p: LockParams): number => 4 * p.ttlMs;
const lockSlowMsMax = (p: LockParams): number => 2 * p.ttlMs;
const slowEpisodeMsMax = (p: LockParams): number => Math.floor(p.durationMs / 10);
/** From here on no fault is active and every lease abandoned by a fault has lapsed. */
const quietFromMs = (p: LockParams): number => faultWindowMs(p) + Math.max(restartAfterMsMax(p), pauseMsMax(p), slowEpisodeMsMax(p)) + 2 * p.ttlMs;

/** Mutants from the lock catalogue this scenario exercises, plus two of its own. */
const CATALOGUE = ['release-without-owner-check', 'renew-after-expiry', 'no-token-bump-on-takeover', 'check-then-create-file'] as const;
const MUTANTS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(CATALOGUE.map((name) => [name, lockMutants.find((mutant) => mutant.name === name)!.flaw])),
  'caller-clock-expiry': "the lock server judges expiry by each caller's clock, so a caller whose clock runs ahead takes over a live lease",
  'no-fencing': 'the resource accepts any token, so a holder that paused past its lease still writes after the next holder',
};

/** Per world: the lock-call latency, which `lock-slow` raises for a while. */
const lockLatencies = new WeakMap<World, { minMs: number; maxMs: number }>();

/**
 * Per world: process name → ms it will freeze for when its next lock call is on its way to the
 * store (sent, not yet arrived): a GC pause or a partition at the worst moment, the one a lease's
 * renewal and a fenced write race against.
 */
const pendingStalls = new WeakMap<World, Map<string, number>>();

function stallsOf(world: World): Map<string, number> {
  let stalls = pendingStalls.get(world);
  if (stalls === undefined) pendingStalls.set(world, (stalls = new Map()));
  return stalls;
}

/** `backend` as process `env` reaches it, freezing on a pending stall just before a call lands. */
function stallable(world: World, backend: LockBackend, env: Env): LockBackend {
  const name = processName(env.id);
  const landing = async (): Promise<void> => {
    const stalls = stallsOf(world);
    const ms = stalls.get(name);
    if (ms === undefined) return;
    stalls.delete(name);
    world.pause(name, ms);
    await env.sleep(0);
  };
  return {
    name: backend.name,
    tryAcquire: async (key, owner, ttlMs) => (await landing(), backend.tryAcquire(key, owner, ttlMs)),
    renew: async (lease, ttlMs) => (await landing(), backend.renew(lease, ttlMs)),
    release: async (lease) => (await landing(), backend.release(lease)),
  };
}

interface ProcessLock {
  readonly backend: LockBackend;
  /** The clock the store judges expiry by, as this process's calls meet it. */
  readonly judgeNow: () => number;
}

/** How process `env` reaches the lock store: the chosen backend, or the mutant swapped in. */
function lockFactory(world: World, p: LockParams, mutant: string | undefined): (env: Env) => ProcessLock {
  const worldClock = (): number => world.now();
  if (mutant === 'caller-clock-expiry') {
    const state = new MemoryLockState();
    return (env) => ({ backend: createMemoryLock({ now: () => env.now(), state }), judgeNow: worldClock });
  }
  const flawed = lockMutants.find((candidate) => candidate.name === mutant);
  if (flawed?.name === 'check-then-create-file') {
    return (env) => ({ backend: flawed.create({ now: () => env.now(), fs: env.fs, dir: SIM_LOCK_DIR }), judgeNow: () => env.now() });
  }
  if (flawed !== undefined) {
    // A flawed lock server: one instance, shared by every process.
    const shared = flawed.create({ now: worldClock, fs: world.fs, dir: SIM_LOCK_DIR });
    return () => ({ backend: shared, judgeNow: worldClock });
  }
  return (env) => ({ backend: createSimLock(world, p.lock, env), judgeNow: p.lock === 'file' ? () => env.now() : worldClock });
}

/** Whether expiry is judged by each caller's own clock, which widens what exclusion can promise. */
const judgedByCallers = (p: LockParams, mutant: string | undefined): boolean => mutant === 'check-then-create-file' || (mutant === undefined && p.lock === 'file');
const toleranceMs = (p: LockParams, mutant: string | undefined): number => (judgedByCallers(p, mutant) ? 2 * p.skewMsMax : 0);
/** The history read once per trace: the four invariants judge the same one. */
const histories = new WeakMap<readonly TraceEvent[], LockHistory>();

function historyOf(trace: readonly TraceEvent[]): LockHistory {
  let history = histories.get(trace);
  if (history === undefined) histories.set(trace, (history = lockHistoryFromTrace(trace)));
  return history;
}

/** Per world: the tolerance its run is judged with (a mutant may change whose clock judges). */
const tolerances = new WeakMap<World, number>();

export default defineScenario<LockParams>({
  name: 'lock',
  summary: 'processes take turns on keys through one lock backend under crashes, pauses, skew and slow storage: the store and the fence are judged directly',
  params,
  horizonMs: (p) => p.durationMs,
  faultSpace: (p) => ({
    targets: processNames(p),
    windowMs: faultWindowMs(p),
    rates: p.faults,
    pauseMsMax: pauseMsMax(p),
    skewMsMax: p.skewMsMax,
    restartAfterMsMax: restartAfterMsMax(p),
    fsSlowMsMax: 200,
    fsSlowDurationMsMax: slowEpisodeMsMax(p),
    extraGenerators: {
      'lock-slow': (prng, at): Fault => ({ at, kind: 'lock-slow', ms: prng.int(1, lockSlowMsMax(p)), durationMs: prng.int(1, slowEpisodeMsMax(p)) }),
      stall: (prng, at): Fault => ({ at, kind: 'stall', target: prng.pick(processNames(p)), ms: prng.int(1, pauseMsMax(p)) }),
    },
  }),
  faultKinds: {
    'lock-slow': {
      schema: z
        .object({
          at: z.number().int().nonnegative(),
          kind: z.literal('lock-slow'),
          ms: z.number({ required_error: 'required: the longest one-way latency of a lock call during the episode, ms' }).int().positive('expected ms > 0'),
          durationMs: z.number({ required_error: 'required: how long the episode lasts, ms' }).int().positive('expected durationMs > 0'),
        })
        .strict(),
      magnitudes: [
        { field: 'ms', gentlest: 1 },
        { field: 'durationMs', gentlest: 1 },
      ],
      apply(world, fault) {
        const latency = lockLatencies.get(world);
        if (latency === undefined) return;
        const normalMs = latency.maxMs;
        latency.maxMs = Math.max(normalMs, fault.ms as number);
        world.atFault(world.elapsed() + (fault.durationMs as number), () => {
          latency.maxMs = normalMs;
        });
      },
    },
    stall: {
      schema: z
        .object({
          at: z.number().int().nonnegative(),
          kind: z.literal('stall'),
          target: z.string({ required_error: 'required: the process to stall' }).min(1),
          ms: z.number({ required_error: 'required: how long it stalls, ms' }).int().positive('expected ms > 0'),
        })
        .strict(),
      magnitudes: [{ field: 'ms', gentlest: 1 }],
      apply(world, fault) {
        stallsOf(world).set(fault.target as string, fault.ms as number);
      },
    },
  },
  mutants: MUTANTS,
  shrinkParams: { processes: 1, keys: 1 },

  setup(world, p, { mutant }) {
    world.setFsLatency({ minMs: 0, maxMs: p.fsLatencyMsMax });
    const latency = { minMs: p.lockCalls.minMs, maxMs: Math.max(p.lockCalls.minMs, p.lockCalls.maxMs) };
    lockLatencies.set(world, latency);
    tolerances.set(world, toleranceMs(p, mutant));
    const calls: LockLatencyOptions = {
      get minMs() {
        return latency.minMs;
      },
      get maxMs() {
        return latency.maxMs;
      },
      failRate: p.lockCalls.failRate,
      timeoutAfterEffectRate: p.lockCalls.timeoutAfterEffectRate,
    };
    const resource = mutant === 'no-fencing' ? new UnfencedResource(() => world.now()) : new FencedResource(() => world.now());
    const lockFor = lockFactory(world, p, mutant);
    const keys = keyNames(p);

    for (const name of processNames(p)) {
      world.spawn(name, async (env) => {
        const { backend, judgeNow } = lockFor(env);
        const lock = withLockLatency(stallable(world, tracedLock(backend, env, judgeNow), env), env, calls);
        for (;;) {
          await env.sleep(Math.floor(env.random() * (p.thinkMsMax + 1)));
          const key = keys[Math.floor(env.random() * keys.length)]!;
          try {
            await withLock(
              lock,
              key,
              env.id,
              async (signal, lease) => {
                for (let step = 0; step < p.steps && !signal.aborted; step += 1) {
                  const highestBefore = resource.highestToken(key);
                  const accepted = resource.accept(key, lease.token, env.id);
                  resourceEvents.emit(env, { kind: 'resource.write', data: { key, token: lease.token, owner: env.id, accepted, highestBefore } });
                  if (!accepted) return;
                  await env.sleep(p.stepMs, signal).catch(() => undefined);
                }
              },
              { env, ttlMs: p.ttlMs, acquireTimeoutMs: 4 * p.ttlMs, backoff: { minMs: 5, maxMs: Math.max(5, Math.floor(p.ttlMs / 4)) } },
            );
          } catch (error) {
            // Losing a lease or waiting too long is part of the game; anything else is a bug.
            if (!(error instanceof LockTimeoutError || error instanceof LockLostError)) throw error;
          }
        }
      });
    }
  },

  invariants: [
    {
      name: 'lease-exclusion',
      description: 'at most one live lease per key at any moment, as the store granted them (up to the clock disagreement when callers judge expiry)',
      check: ({ trace, world }) => checkLeaseExclusion(historyOf(trace), { toleranceMs: tolerances.get(world) ?? 0 }),
    },
    {
      name: 'lease-contract',
      description: 'every grant carries a token above all earlier ones for its key, and no expired lease is ever renewed',
      check: ({ trace, world }) => checkLeaseContract(historyOf(trace), { toleranceMs: tolerances.get(world) ?? 0 }),
    },
    {
      name: 'fencing',
      description: 'the resource never accepted a stale token, nor one token from two owners',
      check: ({ trace }) => checkFencing(historyOf(trace)),
    },
    {
      name: 'progress',
      description: 'every key is written again once the faults have settled',
      check: ({ trace, params: p, world }) => checkProgress(historyOf(trace), { keys: keyNames(p), fromMs: world.epochMs + quietFromMs(p), endMs: world.now() }),
    },
  ],

  teardown(world) {
    closeSimLocks(world);
  },
});
