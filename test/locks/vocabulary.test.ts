/**
 * One lock vocabulary: the specs users type name backends in simulation as in real mode, and each
 * backend says whose clock judges its expiry.
 */
import { describe, expect, test } from 'vitest';
import { LockConfigError } from '../../src/locks/errors.js';
import { expiryClockOf, LOCK_BACKENDS, parseLockSpec, parseSimLockSpec, SIM_LOCK_BACKENDS } from '../../src/locks/lock-spec.js';
import { SimLocks, simLockParam } from '../../src/scenario/sim-locks.js';
import { World } from '../../src/sim/world.js';

describe('the clock that judges expiry', () => {
  test.each([
    ['memory', {}, 'store'],
    ['file:/var/locks', {}, 'caller'],
    ['file', {}, 'caller'],
    ['sqlite:/tmp/x.db', {}, 'store'],
    ['sqlite', { sqlClock: 'caller' as const }, 'caller'],
  ])('%s %j: %s', (spec, options, clock) => {
    expect(expiryClockOf(spec, options)).toBe(clock);
  });

  test('PostgreSQL is judged by the database unless told otherwise', () => {
    const spec = parseLockSpec('postgres://u:p@localhost:5432/db');
    expect(expiryClockOf(spec)).toBe('store');
    expect(expiryClockOf(spec, { sqlClock: 'caller' })).toBe('caller');
    expect(Object.keys(LOCK_BACKENDS).sort()).toEqual(['file', 'memory', 'postgres', 'sqlite']);
  });
});

describe('specs in simulation', () => {
  test('real-mode specs and the path-less shorthand parse; every simulated backend is one', () => {
    expect(parseSimLockSpec('file:/shared/locks')).toEqual({ kind: 'file', dir: '/shared/locks' });
    expect(parseSimLockSpec('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    for (const spec of SIM_LOCK_BACKENDS) expect(simLockParam.safeParse(spec).success).toBe(true);
  });

  test('PostgreSQL and unknown specs are refused in one line, password masked', () => {
    expect(() => parseSimLockSpec('postgres://u:secret@h/db')).toThrow(LockConfigError);
    expect(() => parseSimLockSpec('postgres://u:secret@h/db')).toThrow('lock spec "postgres://u:***@h/db": PostgreSQL is not simulated');
    const parsed = simLockParam.safeParse('carrier-pigeon');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('unknown lock spec "carrier-pigeon": simulation runs memory, file, sqlite, file:DIR or sqlite:PATH, or the path of a lock backend module');
  });

  test('a file spec keeps its generation files in its directory on the world volume', async () => {
    const world = new World({ seed: 1 });
    const locks = new SimLocks(world);
    const lease = await locks.create('file:/elsewhere').tryAcquire('k', 'me', 1_000);
    expect(lease?.token).toBeGreaterThan(0);
    expect((await world.fs.readdir('/elsewhere')).length).toBeGreaterThan(0);
    await locks.close();
  });

  test('the store and caller clocks get separate stores in one run', async () => {
    const world = new World({ seed: 1 });
    const locks = new SimLocks(world);
    expect(await locks.create('memory').tryAcquire('k', 'a', 1_000)).not.toBeNull();
    expect(await locks.create('memory', undefined, { expiryClock: 'caller' }).tryAcquire('k', 'b', 1_000)).not.toBeNull();
    expect(await locks.create('memory').tryAcquire('k', 'c', 1_000)).toBeNull();
    await locks.close();
  });
});
