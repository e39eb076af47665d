/**
 * Deliberately broken cron lock rules. Each has one flaw real schedulers have shipped with; the
 * `cron-leader` scenario must catch every one of them.
 */
import type { Env } from '../../env/index.js';
import type { LockBackend } from '../../locks/index.js';
import type { CronServerFlaws } from './cron-server.js';
import { leaderLockPolicy, type CronLockPolicy, type CronLockTimes } from './lock-policy.js';

export interface CronMutant {
  /** The flaw, in one sentence. */
  readonly flaw: string;
  policy(env: Env, lock: LockBackend, name: string, times: CronLockTimes): CronLockPolicy;
  /** Flaws of the server loop itself, beside its lock rules. */
  readonly flaws?: CronServerFlaws;
}

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

export const cronMutants = {
  'no-lock': {
    flaw: 'every server runs every tick: no lock at all',
    policy: (env, _lock, name) => {
      const lease = { key: name, owner: env.id, token: 0, acquiredAt: 0, expiresAt: Number.POSITIVE_INFINITY };
      return { take: async () => ({ lease, how: 'new lock' }), keep: async () => lease, afterRun: async () => undefined, stop: async () => {} };
    },
  },
  'release-after-run': {
    flaw: 'the lock is released as soon as the task finishes, so a server whose clock lags runs the same tick again',
    policy: (env, lock, name, times) => {
      const correct = leaderLockPolicy(env, lock, name, times);
      return {
        ...correct,
        async afterRun(_tick, lease) {
          await lock.release(lease).catch(() => false);
          return undefined;
        },
      };
    },
  },
  'lock-without-expiry': {
    flaw: "the lock never expires (the naive first design): once its holder dies, no server runs the task again",
    policy: (env, lock, name) => leaderLockPolicy(env, lock, name, { ttlMs: TEN_YEARS_MS, lockAtLeastForMs: TEN_YEARS_MS, lockAtMostForMs: TEN_YEARS_MS }),
  },
  'trust-held-lease': {
    flaw: 'a server that held the lock at its previous run runs the next tick on that lease without asking the store, even after it lapsed; a single-layer flaw the other servers mask whenever they do not take the lock in between',
    policy: (env, lock, name, times) => {
      const correct = leaderLockPolicy(env, lock, name, times);
      return { ...correct, take: async (tick, held) => (held !== undefined ? { lease: held, how: 'existing lock, updating expires_at' } : correct.take(tick, held)) };
    },
  },
  'run-when-refused': {
    flaw: 'a server whose lock was refused prints "the task is already running" and runs the command anyway (acquire()\'s false taken for a log line)',
    policy: (env, lock, name, times) => leaderLockPolicy(env, lock, name, times),
    flaws: { runWhenRefused: true },
  },
} satisfies Record<string, CronMutant>;

export type CronMutantName = keyof typeof cronMutants;
