/**
 * The `pg` driver, loaded the first time a PostgreSQL store is opened. Importing it costs more CPU
 * than a simulated day of a small scenario (it loads Node's `undici` too), and most runs never open
 * one: every command that imports the lock backends would pay that at start for nothing.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';

let driver: typeof pg | undefined;

export function pgDriver(): typeof pg {
  return (driver ??= createRequire(import.meta.url)('pg') as typeof pg);
}
