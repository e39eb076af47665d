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
 *   `SimLocks.close`.
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

/**
 * The lock stores of one run: each process gets its own backend object over the stores shared by
 * the whole world (one memory server, one SQLite database), opened on first use. A scenario makes
 * one in `setup`, keeps it in its state, and closes it in `teardown`.
 */
export class SimLocks {
  private memory: MemoryLockState | undefined;
  private sqlite: Database.Database | undefined;

  constructor(private readonly world: World) {}

  /**
   * The backend process `env` uses (the world's own view when `env` is absent: its clock and its
   * latency-free volume).
   */
  create(kind: SimLockKind, env?: Env): LockBackend {
    const world = this.world;
    switch (kind) {
      case 'memory':
        this.memory ??= new MemoryLockState();
        return createMemoryLock({ now: () => world.now(), state: this.memory });
      case 'file':
        return createFileLock(env?.fs ?? world.fs, SIM_LOCK_DIR, { now: env === undefined ? () => world.now() : () => env.now() });
      case 'sqlite':
        this.sqlite ??= new Database(':memory:');
        return createSqliteLock(this.sqlite, { clock: 'database', now: () => world.now() });
    }
  }

  /** Closes what `create` opened (the shared SQLite database). Safe to call twice. */
  close(): void {
    if (this.sqlite?.open) this.sqlite.close();
  }
}
