/**
 * The lease contract (`locks/lock.ts`) as named rules a user's lock backend is judged by, one call
 * at a time, before it meets faults: each rule runs in a fresh simulated world, in one process
 * whose clock only moves when the rule sleeps, so a rule that breaks names the exact call that
 * broke it. `simrun lock-contract` runs these first, then the lock scenario under faults.
 */
import type { LockBackend, Lease } from '../locks/lock.js';
import { declarationOf, type LockBackendFactory } from '../locks/lock-spec.js';
import { World } from '../sim/world.js';
import { SimLocks } from './sim-locks.js';

const TTL_MS = 1_000;
/** Past a lease's expiry on any clock the rule can see (they all agree here: no skew). */
const PAST_EXPIRY_MS = TTL_MS + 50;

export interface ContractRule {
  /** Short and stable: `owner-only-release`. */
  readonly name: string;
  /** The rule in one sentence. */
  readonly statement: string;
  /** Runs the rule against a fresh backend; returns what broke it, or `undefined`. */
  run(lock: LockBackend, sleep: (ms: number) => Promise<void>): Promise<string | undefined>;
}

export interface RuleVerdict {
  readonly rule: string;
  readonly statement: string;
  /** What broke the rule; absent when it held. */
  readonly problem?: string;
}

const show = (lease: Lease | null): string => (lease === null ? 'null' : `{owner ${lease.owner}, token ${lease.token}}`);

async function acquired(lock: LockBackend, key: string, owner: string): Promise<Lease> {
  const lease = await lock.tryAcquire(key, owner, TTL_MS);
  if (lease === null) throw new RuleBroken(`tryAcquire("${key}", "${owner}") on a free key returned null`);
  return lease;
}

/** Thrown inside a rule to end it with a problem. */
class RuleBroken extends Error {}

export const CONTRACT_RULES: readonly ContractRule[] = [
  {
    name: 'grant-free-key',
    statement: 'a free key is granted, and the lease names its key, its owner and a positive integer token',
    async run(lock) {
      const lease = await acquired(lock, 'job', 'a#1');
      if (lease.key !== 'job' || lease.owner !== 'a#1') return `the lease names ${lease.key}/${lease.owner}, not job/a#1`;
      if (!Number.isSafeInteger(lease.token) || lease.token < 1) return `the token must be a positive integer, got ${lease.token}`;
      if (!(lease.expiresAt > lease.acquiredAt)) return `expiresAt (${lease.expiresAt}) must be after acquiredAt (${lease.acquiredAt})`;
      return undefined;
    },
  },
  {
    name: 'exclusive-while-live',
    statement: 'while a lease is live, nobody else is granted its key',
    async run(lock) {
      await acquired(lock, 'job', 'a#1');
      const second = await lock.tryAcquire('job', 'b#1', TTL_MS);
      return second === null ? undefined : `b#1 was granted a live lease of a#1: ${show(second)}`;
    },
  },
  {
    name: 'owner-only-renew',
    statement: 'only the holder renews, and a renewal extends the lease',
    async run(lock, sleep) {
      const lease = await acquired(lock, 'job', 'a#1');
      const forged = await lock.renew({ ...lease, owner: 'b#1' }, TTL_MS);
      if (forged !== null) return `b#1 renewed a#1's lease: ${show(forged)}`;
      await sleep(TTL_MS / 2);
      const renewed = await lock.renew(lease, TTL_MS);
      if (renewed === null) return 'the holder could not renew its live lease';
      if (renewed.token !== lease.token) return `a renewal changed the token from ${lease.token} to ${renewed.token}`;
      if (!(renewed.expiresAt > lease.expiresAt)) return `a renewal did not extend the lease (expiresAt ${lease.expiresAt} → ${renewed.expiresAt})`;
      return undefined;
    },
  },
  {
    name: 'owner-only-release',
    statement: "a release by anyone but the holder changes nothing and returns false",
    async run(lock) {
      const lease = await acquired(lock, 'job', 'a#1');
      const released = await lock.release({ ...lease, owner: 'b#1' });
      if (released !== false) return `b#1 released a#1's lease (returned ${String(released)})`;
      const stolen = await lock.tryAcquire('job', 'c#1', TTL_MS);
      return stolen === null ? undefined : `after b#1's release of a#1's lease, c#1 was granted the key: ${show(stolen)}`;
    },
  },
  {
    name: 'release-frees-key',
    statement: "the holder's release frees the key, and the next lease gets a higher token",
    async run(lock) {
      const lease = await acquired(lock, 'job', 'a#1');
      if ((await lock.release(lease)) !== true) return "the holder's release did not return true";
      const next = await lock.tryAcquire('job', 'b#1', TTL_MS);
      if (next === null) return 'the key stayed taken after its holder released it';
      return next.token > lease.token ? undefined : `the next lease's token ${next.token} is not above the released one's ${lease.token}`;
    },
  },
  {
    name: 'takeover-after-expiry',
    statement: 'an expired lease can be taken over, with a higher token',
    async run(lock, sleep) {
      const lease = await acquired(lock, 'job', 'a#1');
      await sleep(PAST_EXPIRY_MS);
      const next = await lock.tryAcquire('job', 'b#1', TTL_MS);
      if (next === null) return `the key was still refused ${PAST_EXPIRY_MS} ms after a ${TTL_MS} ms lease was granted`;
      return next.token > lease.token ? undefined : `the takeover's token ${next.token} is not above the expired lease's ${lease.token}`;
    },
  },
  {
    name: 'no-renew-after-expiry',
    statement: 'an expired lease is never renewed, whether or not someone took the key over',
    async run(lock, sleep) {
      const lease = await acquired(lock, 'job', 'a#1');
      await sleep(PAST_EXPIRY_MS);
      const revived = await lock.renew(lease, TTL_MS);
      if (revived !== null) return `a lease ${PAST_EXPIRY_MS - TTL_MS} ms past its expiry was renewed: ${show(revived)}`;
      await acquired(lock, 'job', 'b#1');
      const stale = await lock.renew(lease, TTL_MS);
      return stale === null ? undefined : `a#1 renewed its expired lease after b#1 took the key: ${show(stale)}`;
    },
  },
  {
    name: 'late-release-harmless',
    statement: "a late release by an expired holder never frees the next holder's lease",
    async run(lock, sleep) {
      const lease = await acquired(lock, 'job', 'a#1');
      await sleep(PAST_EXPIRY_MS);
      await acquired(lock, 'job', 'b#1');
      const released = await lock.release(lease);
      if (released !== false) return `a#1's late release returned ${String(released)}`;
      const third = await lock.tryAcquire('job', 'c#1', TTL_MS);
      return third === null ? undefined : `after a#1's late release, c#1 was granted b#1's live lease: ${show(third)}`;
    },
  },
];

/**
 * Judges `factory` by every rule, each in a fresh world (fresh shared state, fresh volume). A rule
 * whose calls throw is broken by that exception.
 */
export async function checkContractRules(factory: LockBackendFactory, rules: readonly ContractRule[] = CONTRACT_RULES): Promise<RuleVerdict[]> {
  const verdicts: RuleVerdict[] = [];
  const { expiryClock } = declarationOf(factory);
  for (const rule of rules) {
    const world = new World({ seed: 1, horizonMs: 60_000 });
    const locks = new SimLocks(world);
    let problem: string | undefined = 'the rule never finished (a call never returned)';
    world.spawn('contract', async (env) => {
      const lock = locks.create(factory, env, { expiryClock });
      try {
        problem = await rule.run(lock, (ms) => env.sleep(ms));
      } catch (error) {
        problem = error instanceof RuleBroken ? error.message : `a call threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      }
    });
    try {
      await world.run();
    } finally {
      await locks.close();
    }
    verdicts.push({ rule: rule.name, statement: rule.statement, ...(problem === undefined ? {} : { problem }) });
  }
  return verdicts;
}
