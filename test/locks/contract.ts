/**
 * The lease contract as checks that any backend can be run through.
 *
 * Each check is a function returning the problems it found (an empty list: the backend kept the
 * contract), so the same checks both register vitest tests for the real backends and run
 * programmatically against deliberately broken ones, which must fail them.
 */
import { describe, expect, it } from 'vitest';
import type { Lease, LockBackend } from '../../src/locks/index.js';

/** A hand-moved clock: the contract's only source of time. */
export class ManualClock {
  constructor(private ms = 1_600_000_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Lock state that several handles share (connections, processes, lock objects). */
export interface LockFixture {
  /** A handle onto the shared state; a backend may open a new connection or object each time. */
  connect(): Promise<LockBackend>;
  /** Closes every handle and removes what the fixture created. */
  dispose(): Promise<void>;
}

/** Makes fresh, empty lock state judged by `now`. */
export type LockFixtureFactory = (now: () => number) => Promise<LockFixture>;

export interface ContractCheck {
  readonly name: string;
  run(backend: () => Promise<LockBackend>, clock: ManualClock): Promise<string[]>;
}

const TTL_MS = 1_000;

/** Collects problems: `expectThat(ok, message)` reads like an assertion but only records. */
function problemList(): { problems: string[]; expectThat(ok: boolean, message: string): void } {
  const problems: string[] = [];
  return { problems, expectThat: (ok, message) => void (ok || problems.push(message)) };
}

const describeLease = (lease: Lease | null): string => (lease === null ? 'null' : `${lease.owner}/token ${lease.token}/expires ${lease.expiresAt}`);

export const plainChecks: readonly ContractCheck[] = [
  {
    name: 'acquires a free key and reports the lease it granted',
    async run(open, clock) {
      const { problems, expectThat } = problemList();
      const lock = await open();
      const lease = await lock.tryAcquire('job', 'a#1', TTL_MS);
      expectThat(lease !== null, 'a free key was not granted');
      if (lease !== null) {
        expectThat(lease.key === 'job' && lease.owner === 'a#1', `wrong lease identity: ${JSON.stringify(lease)}`);
        expectThat(Number.isSafeInteger(lease.token) && lease.token >= 1, `token must be a positive integer, got ${lease.token}`);
        expectThat(lease.acquiredAt === clock.now() && lease.expiresAt === clock.now() + TTL_MS, `times not on the judging clock: ${JSON.stringify(lease)}`);
      }
      return problems;
    },
  },
  {
    name: 'refuses a held key to every other owner until it expires',
    async run(open, clock) {
      const { problems, expectThat } = problemList();
      const lock = await open();
      const held = await lock.tryAcquire('job', 'a#1', TTL_MS);
      expectThat(held !== null, 'the first acquire failed');
      expectThat((await lock.tryAcquire('job', 'b#1', TTL_MS)) === null, 'a held key was granted to another owner');
      clock.advance(TTL_MS - 1);
      expectThat((await lock.tryAcquire('job', 'b#1', TTL_MS)) === null, 'a key was granted 1 ms before its lease expired');
      expectThat((await lock.tryAcquire('other-job', 'b#1', TTL_MS)) !== null, 'an unrelated key was refused');
      return problems;
    },
  },
  {
    name: 'lets another owner take over an expired lease with a higher token',
    async run(open, clock) {
      const { problems, expectThat } = problemList();
      const lock = await open();
      const first = await lock.tryAcquire('job', 'a#1', TTL_MS);
      clock.advance(TTL_MS);
      const second = await lock.tryAcquire('job', 'b#1', TTL_MS);
      expectThat(second !== null, 'an expired lease was not taken over');
      if (first !== null && second !== null) expectThat(second.token > first.token, `takeover token ${second.token} is not above ${first.token}`);
      return problems;
    },
  },
  {
    name: 'keeps tokens strictly increasing over releases, takeovers and handles',
    async run(open, clock) {
      const { problems, expectThat } = problemList();
      const handles = [await open(), await open()];
      let previous = 0;
      for (let round = 0; round < 12; round += 1) {
        const lock = handles[round % 2]!;
        const lease = await lock.tryAcquire('job', `owner-${round % 3}#1`, TTL_MS);
        if (lease === null) {
          problems.push(`round ${round}: a free or expired key was refused`);
          break;
        }
        expectThat(lease.token > previous, `round ${round}: token ${lease.token} after ${previous}`);
        previous = lease.token;
        // Alternate how the lease ends: released, expired, or released late after expiring.
        if (round % 3 === 0) await lock.release(lease);
        else clock.advance(TTL_MS + (round % 3 === 2 ? 5 : 0));
      }
      return problems;
    },
  },
  {
    name: 'renews only for the owner, only with its token, only while unexpired',
    async run(open, clock) {
      const { problems, expectThat } = problemList();
      const lock = await open();
      const lease = await lock.tryAcquire('job', 'a#1', TTL_MS);
      if (lease === null) return ['the first acquire failed'];
      clock.advance(400);
      expectThat((await lock.renew({ ...lease, owner: 'b#1' }, TTL_MS)) === null, 'renewed for an owner that does not hold the key');
      expectThat((await lock.renew({ ...lease, token: lease.token + 1 }, TTL_MS)) === null, 'renewed with a token that was never granted');
      const renewed = await lock.renew(lease, TTL_MS);
      expectThat(renewed !== null, 'the owner could not renew its unexpired lease');
      if (renewed !== null) {
        expectThat(renewed.token === lease.token, `renewal changed the token: ${lease.token} -> ${renewed.token}`);
        expectThat(renewed.expiresAt === clock.now() + TTL_MS, `renewal did not extend from now: ${describeLease(renewed)}`);
      }
      clock.advance(TTL_MS - 1);
      expectThat((await lock.tryAcquire('job', 'b#1', TTL_MS)) === null, 'the renewed lease was taken over before its new expiry');
      clock.advance(1);
      expectThat((await lock.renew(renewed ?? lease, TTL_MS)) === null, 'renewed a lease that had expired');
      return problems;
    },
  },
  {
    name: 'releases only for the owner, once, and frees the key',
    async run(open) {
      const { problems, expectThat } = problemList();
      const lock = await open();
      const lease = await lock.tryAcquire('job', 'a#1', TTL_MS);
      if (lease === null) return ['the first acquire failed'];
      expectThat((await lock.release({ ...lease, owner: 'b#1' })) === false, 'released by an owner that does not hold the key');
      expectThat((await lock.release({ ...lease, token: lease.token - 1 })) === false, 'released with a stale token');
      expectThat((await lock.tryAcquire('job', 'c#1', TTL_MS)) === null, 'a foreign release freed the key');
      expectThat((await lock.release(lease)) === true, 'the owner could not release');
      expectThat((await lock.release(lease)) === false, 'a second release reported success');
      const next = await lock.tryAcquire('job', 'c#1', TTL_MS);
      expectThat(next !== null, 'a released key was not free');
      if (next !== null) expectThat(next.token > lease.token, `token after release ${next.token} is not above ${lease.token}`);
      expectThat((await lock.renew(lease, TTL_MS)) === null, 'a released lease was renewed');
      return problems;
    },
  },
  {
    name: "a late release or renew never touches a newer holder's lease",
    async run(open, clock) {
      const { problems, expectThat } = problemList();
      const [lockA, lockB] = [await open(), await open()];
      // The same owner name on purpose: a restarted process that reuses its name must still be told apart by token.
      const old = await lockA.tryAcquire('job', 'worker#1', TTL_MS);
      if (old === null) return ['the first acquire failed'];
      clock.advance(TTL_MS + 1);
      const newer = await lockB.tryAcquire('job', 'worker#1', TTL_MS);
      if (newer === null) return ['the takeover failed'];
      expectThat((await lockA.release(old)) === false, 'a late release of a superseded lease reported success');
      expectThat((await lockA.renew(old, TTL_MS)) === null, 'a superseded lease was renewed');
      clock.advance(TTL_MS - 1);
      expectThat((await lockB.tryAcquire('job', 'c#1', TTL_MS)) === null, "the late release freed the newer holder's key");
      const renewed = await lockB.renew(newer, TTL_MS);
      expectThat(renewed !== null && renewed.expiresAt === clock.now() + TTL_MS, `the newer holder lost its lease: ${describeLease(renewed)}`);
      return problems;
    },
  },
];

/** Runs every plain check on fresh state; returns the problems by check name (only failing checks). */
export async function runPlainChecks(factory: LockFixtureFactory): Promise<Map<string, string[]>> {
  const failures = new Map<string, string[]>();
  for (const check of plainChecks) {
    const problems = await runOne(factory, check);
    if (problems.length > 0) failures.set(check.name, problems);
  }
  return failures;
}

async function runOne(factory: LockFixtureFactory, check: ContractCheck): Promise<string[]> {
  const clock = new ManualClock();
  const fixture = await factory(clock.now);
  try {
    return await check.run(() => fixture.connect(), clock);
  } catch (error) {
    return [`threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`];
  } finally {
    await fixture.dispose();
  }
}

/** Registers one vitest test per plain check for a backend. */
export function describeLockContract(name: string, factory: LockFixtureFactory): void {
  describe(`${name}: lease contract`, () => {
    for (const check of plainChecks) {
      it(check.name, async () => {
        expect(await runOne(factory, check)).toEqual([]);
      });
    }
  });
}
