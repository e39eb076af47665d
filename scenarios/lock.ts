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
 * so exclusion is judged on true time. The file lock judges by each caller's clock: exclusion is
 * judged exactly on those clocks, from every skew and drift the trace records (`callerClocks`): a
 * caller may take a lease over once its own clock reads the expiry the holder's clock wrote, and not
 * one millisecond before, however small the overlap on true time.
 */
import { z } from 'zod';
import { feed } from '../src/check/checker.js';
import { callerClocks, fencing, leaseBelief, leaseContract, leaseExclusion, lockHistoryFromTrace, progress, type JudgingClock, type LockHistory } from '../src/check/lock/index.js';
import type { Env } from '../src/env/env.js';
import { FencedResource } from '../src/locks/fenced-resource.js';
import { createFileLock } from '../src/locks/file-lock.js';
import type { LockBackend } from '../src/locks/lock.js';
import { lockMutants, UnfencedResource } from '../src/locks/mutants.js';
import { withLockLatency, type LockLatencyOptions } from '../src/locks/sim-proxy.js';
import { tracedLock } from '../src/locks/traced-lock.js';
import { LockLostError, LockTimeoutError } from '../src/locks/errors.js';
import { withLock, type WithLockFlaws } from '../src/locks/with-lock.js';
import { defineScenario, type CheckContext } from '../src/scenario/scenario.js';
import { lockDeclarationOf, prepareSimLock, SIM_LOCK_DIR, SimLocks, simLockParam } from '../src/scenario/sim-locks.js';
import type { ExpiryClock, FailureModel } from '../src/locks/lock-spec.js';
import { slowCalls } from '../src/sim/fault-kinds/slow-calls.js';
import { PendingStalls, stall } from '../src/sim/fault-kinds/stall.js';
import { resourceEvents } from '../src/locks/events.js';
import type { World } from '../src/sim/world.js';

const rate = z.number().nonnegative();

const params = z
  .object({
    /** Contending processes, `client-1` ... */
    processes: z.number().int().positive().max(50).default(3),
    /** Keys they take turns on, `key-1` ...; each section picks one. */
    keys: z.number().int().positive().max(100).default(2),
    /**
     * Lock backend: a spec (`memory`, `file`, `sqlite`), the path of a module whose default export
     * is a `LockBackendFactory`, or (library API) the factory itself.
     */
    lock: simLockParam.default('memory'),
    /** Lease length, ms; `withLock` renews every third of it. */
    ttlMs: z.number().int().positive().default(1_000),
    /** Writes per critical section, and the time between them (a section spans several renewals). */
    steps: z.number().int().positive().max(1_000).default(5),
    stepMs: z.number().int().positive().default(200),
    /** A process rests up to this long between sections, so keys are sometimes free and sometimes contended. */
    thinkMsMax: z.number().int().nonnegative().default(1_500),
    /** Length of the run; faults land in its first half and settle before its last quarter. */
    durationMs: z.number().int().positive().max(86_400_000).default(60_000),
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
  'belief-from-answer': 'withLock counts expiry from when the answer came back, so the holder believes in its lease after the store ended it (the fence masks it)',
  'belief-from-first-try': 'withLock counts expiry from its first try to acquire, so after waiting it drops leases the store still gives it',
  'skew-margin-wrong-sign':
    "the file lock's margin for clock skew (a quarter lease) is subtracted from a lease's expiry instead of added, so a contender takes over before its own clock reads the holder's expiry (an overlap shorter than twice the skew, which a tolerance would forgive)",
};

/** The `withLock` flaws of the two belief mutants. */
const withLockFlaws = (mutant: string | undefined): WithLockFlaws | undefined =>
  mutant === 'belief-from-answer' ? { expiryFrom: 'answered' } : mutant === 'belief-from-first-try' ? { expiryFrom: 'first-try' } : undefined;

/** What one run keeps: its lock stores, the faults left pending, and how it is judged. */
interface LockState {
  readonly locks: SimLocks;
  /** The lock-call latency, which `lock-slow` raises for a while. */
  readonly latency: { minMs: number; maxMs: number };
  /**
   * Stalls armed for processes: each freezes when its next lock call is on its way to the store
   * (sent, not yet arrived): a GC pause or a partition at the worst moment, the one a lease's
   * renewal and a fenced write race against.
   */
  readonly stalls: PendingStalls;
  /** Whose clock judges expiry, as the run is judged (a mutant may claim the store's). */
  readonly expiryClock: ExpiryClock;
}

/** `backend` as process `env` reaches it, freezing on a pending stall just before a call lands. */
function stallable(world: World, stalls: PendingStalls, backend: LockBackend, env: Env): LockBackend {
  const landing = (): Promise<void> => stalls.land(world, env);
  return {
    name: backend.name,
    tryAcquire: async (key, owner, ttlMs) => (await landing(), backend.tryAcquire(key, owner, ttlMs)),
    renew: async (lease, ttlMs) => (await landing(), backend.renew(lease, ttlMs)),
    release: async (lease) => (await landing(), backend.release(lease)),
  };
}

/** How processes reach the lock store: the backend each one gets, and the clock its expiry is meant to be judged by. */
interface LockFactory {
  /**
   * Whose clock the store judges expiry by, as the backend declares it: the trace judges each grant
   * by that clock, and exclusion is exact only when it is the store's.
   */
  readonly expiryClock: ExpiryClock;
  /**
   * How the store fails: a `remote` one is reached through the lossy link (`withLockLatency`, the
   * `lock-slow` and `stall` faults); an `in-process` library is called directly, and its faults are
   * its storage's (`fs-error`, `fs-slow`) and its process's.
   */
  readonly failureModel: FailureModel;
  forProcess(env: Env): LockBackend;
}

/** The chosen backend, or the mutant swapped in. */
function lockFactory(world: World, locks: SimLocks, p: LockParams, mutant: string | undefined): LockFactory {
  // A mutant meets the faults of the backend the run names: that backend's failure model drew the plan.
  const { failureModel } = lockDeclarationOf(p.lock);
  if (mutant === 'caller-clock-expiry') {
    // Claims the store's clock and judges by each caller's: the flaw the store-clock judgement catches.
    return { expiryClock: 'store', failureModel, forProcess: (env) => locks.create('memory', env, { expiryClock: 'caller' }) };
  }
  if (mutant === 'skew-margin-wrong-sign') {
    const expiryMarginMs = -Math.floor(p.ttlMs / 4);
    return { expiryClock: 'caller', failureModel, forProcess: (env) => createFileLock(env.fs, SIM_LOCK_DIR, { now: () => env.now(), expiryMarginMs }) };
  }
  const flawed = lockMutants.find((candidate) => candidate.name === mutant);
  if (flawed?.name === 'check-then-create-file') {
    return { expiryClock: 'caller', failureModel, forProcess: (env) => flawed.create({ now: () => env.now(), fs: env.fs, dir: SIM_LOCK_DIR }) };
  }
  if (flawed !== undefined) {
    // A flawed lock server: one instance, shared by every process.
    const shared = flawed.create({ now: () => world.now(), fs: world.fs, dir: SIM_LOCK_DIR });
    return { expiryClock: 'store', failureModel, forProcess: () => shared };
  }
  return { ...lockDeclarationOf(p.lock), forProcess: (env) => locks.create(p.lock, env) };
}

/**
 * The fault kinds a backend's failure model admits: an in-process library has no link to slow down
 * or stall a call on, so its plans draw no `lock-slow` and no `stall`.
 */
function ratesFor(p: LockParams): LockParams['faults'] {
  return lockDeclarationOf(p.lock).failureModel === 'in-process' ? { ...p.faults, 'lock-slow': 0, stall: 0 } : p.faults;
}

/** The lease history, read once per run: the four invariants judge the same one. */
const leaseHistory = (context: CheckContext<LockParams, LockState>): LockHistory => lockHistoryFromTrace(context.trace, { expiryClock: context.state.expiryClock });

/** Each caller's clock, from the trace, when callers judge expiry; absent, true time judges. */
const judgingClock = (context: CheckContext<LockParams, LockState>): JudgingClock | undefined =>
  context.state.expiryClock === 'caller' ? callerClocks(context.trace) : undefined;

/** What the lock checkers read: the history, whose clocks judge it, and the keys that must see progress once faults settle. */
const lockInputs = (context: CheckContext<LockParams, LockState>) => ({
  history: context.derive(leaseHistory),
  judgingClock: context.derive(judgingClock),
  keys: keyNames(context.params),
  fromMs: context.world.epochMs + quietFromMs(context.params),
  endMs: context.world.now(),
});

export default defineScenario<LockParams, LockState>({
  name: 'lock',
  summary: 'processes take turns on keys through one lock backend under crashes, pauses, skew and slow storage: the store and the fence are judged directly',
  params,
  horizonMs: (p) => p.durationMs,
  faultSpace: (p) => ({
    targets: processNames(p),
    windowMs: faultWindowMs(p),
    rates: ratesFor(p),
    pauseMsMax: pauseMsMax(p),
    skewMsMax: p.skewMsMax,
    restartAfterMsMax: restartAfterMsMax(p),
    fsSlowMsMax: 200,
    fsSlowDurationMsMax: slowEpisodeMsMax(p),
    slowCallsMsMax: lockSlowMsMax(p),
    slowCallsDurationMsMax: slowEpisodeMsMax(p),
  }),
  // `lock-slow` is the shared `slow-calls` kind under the name this scenario's plans have always used.
  faultKinds: [slowCalls((state: LockState) => state.latency, { name: 'lock-slow' }), stall((state: LockState) => state.stalls)],
  mutants: MUTANTS,
  shrinkParams: { processes: 1, keys: 1 },
  // Under --swarm: contention (processes, keys, think time), the backend, the lease, the length of
  // a section, the run's length and the largest skew. Pauses, stalls and slow calls scale with the
  // lease, so the run is at least 40 leases long: its quiet last quarter then outlasts the longest
  // pause and two leases (`quietFromMs`), with room left for every key to be written.
  paramRanges: {
    processes: { min: 2, max: 5, integer: true },
    keys: { min: 1, max: 3, integer: true },
    lock: { oneOf: ['memory', 'sqlite', 'file'] },
    ttlMs: { min: 300, max: 3_000, integer: true, log: true },
    steps: { min: 1, max: 8, integer: true },
    stepMs: (p) => ({ min: 20, max: Math.max(20, Math.floor(p.ttlMs / 2)), integer: true }),
    thinkMsMax: { min: 0, max: 3_000, integer: true },
    durationMs: (p) => ({ min: Math.max(30_000, 40 * p.ttlMs), max: Math.max(30_000, 40 * p.ttlMs) + 60_000, integer: true }),
    fsLatencyMsMax: { min: 0, max: 20, integer: true },
    skewMsMax: { min: 0, max: 3_000, integer: true },
  },
  prepare: (p) => prepareSimLock(p.lock),

  setup(world, p, { mutant }) {
    world.setFsLatency({ minMs: 0, maxMs: p.fsLatencyMsMax });
    const locks = new SimLocks(world);
    const lockFor = lockFactory(world, locks, p, mutant);
    const state: LockState = {
      locks,
      latency: { minMs: p.lockCalls.minMs, maxMs: Math.max(p.lockCalls.minMs, p.lockCalls.maxMs) },
      stalls: new PendingStalls(),
      expiryClock: lockFor.expiryClock,
    };
    const { latency } = state;
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
    const keys = keyNames(p);
    const flaws = withLockFlaws(mutant);

    for (const name of processNames(p)) {
      world.spawn(name, async (env) => {
        // A graceful stop (SIGTERM) does what it does to `simrun real lock-client`: the section under
        // way ends, its lease is released, no new attempt is made, and the client returns. Registered
        // first, so a stop at any moment after the client started is graceful.
        const stop = new AbortController();
        env.onStop?.(() => stop.abort());
        // The clock the trace judges each grant by: the store's (the world's), or this caller's own.
        const judgeNow = lockFor.expiryClock === 'caller' ? (): number => env.now() : (): number => world.now();
        const traced = tracedLock(lockFor.forProcess(env), env, judgeNow);
        const lock = lockFor.failureModel === 'remote' ? withLockLatency(stallable(world, state.stalls, traced, env), env, calls) : traced;
        // No new attempt once stopping (the wait then ends at its timeout, and the client returns).
        // Not through withLock's `mayAttempt`: its extra await would shift same-instant wake-ups and
        // so change every run's trace, stopped or not.
        const attempting: LockBackend = {
          name: lock.name,
          tryAcquire: (key, owner, ttlMs) => (stop.signal.aborted ? Promise.resolve(null) : lock.tryAcquire(key, owner, ttlMs)),
          renew: (lease, ttlMs) => lock.renew(lease, ttlMs),
          release: (lease) => lock.release(lease),
        };
        while (!stop.signal.aborted) {
          try {
            await env.sleep(Math.floor(env.random() * (p.thinkMsMax + 1)), stop.signal);
          } catch {
            break;
          }
          const key = keys[Math.floor(env.random() * keys.length)]!;
          try {
            await withLock(
              attempting,
              key,
              env.id,
              async (signal, lease) => {
                for (let step = 0; step < p.steps && !signal.aborted && !stop.signal.aborted; step += 1) {
                  const highestBefore = resource.highestToken(key);
                  const accepted = resource.accept(key, lease.token, env.id);
                  resourceEvents.emit(env, { kind: 'resource.write', data: { key, token: lease.token, owner: env.id, accepted, highestBefore } });
                  if (!accepted) return;
                  await env.sleep(p.stepMs, AbortSignal.any([signal, stop.signal])).catch(() => undefined);
                }
              },
              { env, ttlMs: p.ttlMs, acquireTimeoutMs: 4 * p.ttlMs, backoff: { minMs: 5, maxMs: Math.max(5, Math.floor(p.ttlMs / 4)) }, ...(flaws === undefined ? {} : { flaws }) },
            );
          } catch (error) {
            // Losing a lease or waiting too long is part of the game; anything else is a bug.
            if (!(error instanceof LockTimeoutError || error instanceof LockLostError)) throw error;
          }
        }
      });
    }
    return state;
  },

  invariants: [...[leaseExclusion, leaseContract, fencing, progress].map((checker) => feed(checker, lockInputs)), leaseBelief],

  teardown: (_world, { locks }) => locks.close(),
});
