/**
 * Every backend under simulated faults (see `sim-contract.ts`), a few seeds each, plus the checks
 * that the simulation catches what the plain contract cannot: a file lock with a check-then-act
 * takeover, and a lock judged by skewed caller clocks.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createFileLock, createMemoryLock, createSqliteLock, lockMutants, MemoryLockState } from '../../src/locks/index.js';
import { runSimScenario, simScenarios, type SimLockFixtureFactory } from './sim-contract.js';

const SEEDS = [1, 2, 3];

const simFixtures: Record<string, SimLockFixtureFactory> = {
  'memory (server clock)': (world) => {
    const shared = createMemoryLock({ now: () => world.now() });
    return { clock: 'store', forProcess: () => shared };
  },
  'memory (caller clock)': () => {
    const state = new MemoryLockState();
    return { clock: 'caller', forProcess: (env) => createMemoryLock({ now: () => env.now(), state }) };
  },
  'file (caller clock)': () => ({ clock: 'caller', forProcess: (env) => createFileLock(env.fs, '/locks', { now: () => env.now() }) }),
  'sqlite (caller clock)': () => {
    const db = new Database(':memory:');
    return { clock: 'caller', forProcess: (env) => createSqliteLock(db, { clock: 'caller', now: () => env.now() }), dispose: () => void db.close() };
  },
  'sqlite (database clock)': (world) => {
    const db = new Database(':memory:');
    return { clock: 'store', forProcess: () => createSqliteLock(db, { clock: 'database', now: () => world.now() }), dispose: () => void db.close() };
  },
};

for (const [backend, factory] of Object.entries(simFixtures)) {
  describe(`${backend} under simulated faults`, () => {
    for (const scenario of simScenarios) {
      it(scenario.name, async () => {
        const problems: string[] = [];
        let refusedWrites = 0;
        for (const seed of SEEDS) {
          const result = await runSimScenario(factory, scenario, seed);
          problems.push(...result.problems);
          refusedWrites += result.refusedWrites;
        }
        expect(problems).toEqual([]);
        // A holder paused past its lease woke up and wrote with its old token: fencing had work to do.
        if (scenario.name.includes('pauses')) expect(refusedWrites).toBeGreaterThan(0);
      });
    }
  });
}

describe('the simulation catches what sequential checks cannot', () => {
  it('a check-then-create file lock hands one token to two holders', async () => {
    const mutant = lockMutants.find((candidate) => candidate.name === 'check-then-create-file');
    if (mutant === undefined) throw new Error('mutant missing');
    const factory: SimLockFixtureFactory = () => ({
      clock: 'caller',
      forProcess: (env) => mutant.create({ now: () => env.now(), fs: env.fs, dir: '/locks' }),
    });
    const slowStorage = simScenarios.find((scenario) => scenario.name.startsWith('storage'));
    const pause = simScenarios.find((scenario) => scenario.name.includes('pauses'));
    const problems: string[] = [];
    for (const scenario of [slowStorage!, pause!]) {
      for (const seed of SEEDS) problems.push(...(await runSimScenario(factory, scenario, seed)).problems);
    }
    expect(problems.some((problem) => /accepted from both|overlaps/.test(problem))).toBe(true);
  });

  it('skewed caller clocks break mutual exclusion (fencing still holds); the database clock does not', async () => {
    const skew = simScenarios.find((scenario) => scenario.name.includes('clock runs ahead'))!;
    let callerOverlaps = 0;
    let databaseOverlaps = 0;
    for (const seed of SEEDS) {
      const caller = await runSimScenario(simFixtures['sqlite (caller clock)']!, skew, seed);
      const database = await runSimScenario(simFixtures['sqlite (database clock)']!, skew, seed);
      expect(caller.problems).toEqual([]);
      expect(database.problems).toEqual([]);
      callerOverlaps += caller.overlaps;
      databaseOverlaps += database.overlaps;
    }
    expect(callerOverlaps).toBeGreaterThan(0);
    expect(databaseOverlaps).toBe(0);
  });

  it('replays a seed bit for bit', async () => {
    const scenario = simScenarios[1]!;
    const first = await runSimScenario(simFixtures['file (caller clock)']!, scenario, 7);
    const second = await runSimScenario(simFixtures['file (caller clock)']!, scenario, 7);
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.sections).toBe(first.sections);
  });
});
