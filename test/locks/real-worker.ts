/**
 * A contender for the real-mode lock tests, runnable as an OS process:
 *   node --import tsx test/locks/real-worker.ts SPEC RESOURCE_LOG ITERATIONS NAME
 * Each iteration takes the lock with `withLock`, enters and exits the resource, and releases. Every
 * `ABANDON_EVERY`-th iteration instead takes a short lease and walks away from it without a critical
 * section or a release, as a crashed holder would, so the others must race to take over an expired lease.
 */
import { pathToFileURL } from 'node:url';
import { realEnv } from '../../src/env/real-env.js';
import type { Env } from '../../src/env/env.js';
import { backoffDelayMs, openLock, withLock, type LockBackend } from '../../src/locks/index.js';
import { AppendOnlyResource } from './resource-log.js';

const KEY = 'shared-job';
const TTL_MS = 10_000;
const ABANDONED_TTL_MS = 15;
const ABANDON_EVERY = 40;
const BACKOFF = { minMs: 1, maxMs: 8 };

export async function contend(backend: LockBackend, env: Env, resource: AppendOnlyResource, iterations: number): Promise<void> {
  for (let iteration = 1; iteration <= iterations; iteration += 1) {
    if (iteration % ABANDON_EVERY === 0) {
      await takeAndAbandon(backend, env);
      continue;
    }
    await withLock(
      backend,
      KEY,
      env.id,
      async (_signal, lease) => {
        resource.enter(lease.token, env.id);
        resource.exit(lease.token, env.id);
      },
      { env, ttlMs: TTL_MS, acquireTimeoutMs: 60_000, backoff: BACKOFF },
    );
  }
}

async function takeAndAbandon(backend: LockBackend, env: Env): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    if ((await backend.tryAcquire(KEY, env.id, ABANDONED_TTL_MS)) !== null) return;
    await env.sleep(backoffDelayMs(attempt, BACKOFF, () => env.random()));
  }
}

async function main(): Promise<void> {
  const [spec, logPath, iterationsText, name] = process.argv.slice(2);
  if (spec === undefined || logPath === undefined || iterationsText === undefined || name === undefined) {
    throw new Error('usage: real-worker.ts SPEC RESOURCE_LOG ITERATIONS NAME');
  }
  const env = realEnv(`${name}#${process.pid}`, { logLine: () => {} });
  const backend = await openLock(spec, env);
  const resource = new AppendOnlyResource(logPath);
  try {
    await contend(backend, env, resource, Number(iterationsText));
  } finally {
    resource.close();
    await backend.close?.();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
