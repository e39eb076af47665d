/**
 * Lock backends for simulated processes, for any scenario with a `lock` parameter.
 *
 * Each process gets its own backend object over state shared by the whole world:
 * - `memory`: one lock server; expiry judged by the world's clock (the server's, immune to the
 *   processes' skew);
 * - `file`: generation files in `/locks` on the world's volume, through the process's own `env.fs`
 *   (so its latency and injected I/O errors apply) and judged by the process's own clock, as on a
 *   real shared filesystem;
 * - `sqlite`: one in-memory better-sqlite3 database shared by every process, judged by the database
 *   server's clock, which in simulation is the world's (SQLite's own is the real one: no replay). Close it in teardown with
 *   `closeSimLocks`.
 */
import Database from 'better-sqlite3';
import type { Env } from '../env/env.js';
import { createFileLock } from '../locks/file-lock.js';
import type { LockBackend } from '../locks/lock.js';
import { createMemoryLock, MemoryLockState } from '../locks/memory-lock.js';
import { createSqliteLock } from '../locks/sqlite-lock.js';
import type { World } from '../sim/world.js';

export const SIM_LOCK_KINDS = ['memory', 'file', 'sqlite'] as const;
export type SimLockKind = (typeof SIM_LOCK_KINDS)[number];

/** Where the file backend keeps its generation files on the world's volume. */
export const SIM_LOCK_DIR = '/locks';

interface SharedLockState {
  memory?: MemoryLockState;
  sqlite?: Database.Database;
}

const shared = new WeakMap<World, SharedLockState>();

function stateOf(world: World): SharedLockState {
  let state = shared.get(world);
  if (state === undefined) {
    state = {};
    shared.set(world, state);
  }
  return state;
}

/**
 * The backend process `env` uses in `world` (the world's own view when `env` is absent: its clock
 * and its latency-free volume).
 */
export function createSimLock(world: World, kind: SimLockKind, env?: Env): LockBackend {
  const state = stateOf(world);
  switch (kind) {
    case 'memory':
      state.memory ??= new MemoryLockState();
      return createMemoryLock({ now: () => world.now(), state: state.memory });
    case 'file':
      return createFileLock(env?.fs ?? world.fs, SIM_LOCK_DIR, { now: env === undefined ? () => world.now() : () => env.now() });
    case 'sqlite':
      state.sqlite ??= new Database(':memory:');
      return createSqliteLock(state.sqlite, { clock: 'database', now: () => world.now() });
  }
}

/** Closes what `createSimLock` opened for `world` (the shared SQLite database). Safe to call twice. */
export function closeSimLocks(world: World): void {
  const state = shared.get(world);
  if (state?.sqlite?.open) state.sqlite.close();
  shared.delete(world);
}
