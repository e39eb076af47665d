/**
 * One OS process of `simrun lock-contract --real`: loads the user's lock module, makes its backend
 * with `mode: 'real'` (the real clock, the real filesystem, the run's shared directory), and for a
 * while takes turns on one key with the other contenders. Each critical section is appended to the
 * run's log as two lines (`start`, `end`) with the lease's token and the machine's clock, which every
 * contender shares: the parent judges the log once all have exited.
 *
 * argv: MODULE DIR ID DURATION_MS TTL_MS HOLD_MS
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { realEnv } from '../../env/real-env.js';
import { LOCK_PART } from '../../scenario/sim-locks.js';
import { preparePart } from '../../scenario/parts.js';
import { SECTIONS_LOG, STORE_DIR, type SectionLine } from './judge.js';

async function main(): Promise<void> {
  const [module, dir, id, durationText, ttlText, holdText] = process.argv.slice(2);
  if (module === undefined || dir === undefined || id === undefined) throw new Error('usage: contender MODULE DIR ID DURATION_MS TTL_MS HOLD_MS');
  const [durationMs, ttlMs, holdMs] = [durationText, ttlText, holdText].map(Number) as [number, number, number];
  const factory = await preparePart(module, LOCK_PART);
  const env = realEnv(id, { logLine: () => undefined, printLine: () => undefined });
  const lock = await factory({ env, fs: env.fs, name: 'simrun', dir: join(dir, STORE_DIR), storeNow: () => Date.now(), shared: new Map(), mode: 'real' });
  const log = (line: SectionLine): void => appendFileSync(join(dir, SECTIONS_LOG), JSON.stringify(line) + '\n');
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    const lease = await lock.tryAcquire('contract', id, ttlMs);
    if (lease === null) {
      await env.sleep(1 + Math.floor(env.random() * 5));
      continue;
    }
    log({ owner: id, token: lease.token, edge: 'start', atMs: Date.now() });
    await env.sleep(holdMs);
    log({ owner: id, token: lease.token, edge: 'end', atMs: Date.now() });
    await lock.release(lease);
    await env.sleep(env.random() * 3);
  }
  await lock.close?.();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exit(1);
  },
);
