/**
 * PostgreSQL for real: eight clients, each with its own connection, contend for one key, judged by
 * the resource's log; plus the server's own clock. Needs SIMRUN_PG_URL (see `.ci/postgres.sh`);
 * skipped with the reason shown when it is unset, and failing when CI=true.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { realEnv } from '../../src/env/real-env.js';
import { createPostgresLock, openLock } from '../../src/locks/index.js';
import { contend } from './real-worker.js';
import { AppendOnlyResource, judgeResourceLog } from './resource-log.js';
import { postgresUrlOrSkipReason } from './fixtures.js';

const CLIENTS = 8;
const ITERATIONS = 200;
const postgres = postgresUrlOrSkipReason();

if (!('url' in postgres)) {
  describe('postgres for real', () => {
    it.skip(`skipped: ${postgres.skip}`, () => {});
  });
} else {
  const { url } = postgres;
  const table = `locks_real_${process.pid}`;

  describe('postgres for real', () => {
    it(`${CLIENTS} concurrent clients x ${ITERATIONS} sections never overlap and never reuse a token`, { timeout: 60_000 }, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'simrun-pg-lock-'));
      const logPath = join(dir, 'resource.log');
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, async (_, index) => {
          const env = realEnv(`client-${index + 1}#1`, { logLine: () => {} });
          return { env, backend: await createPostgresLock(url, { clock: 'database', table, poolSize: 1 }), resource: new AppendOnlyResource(logPath) };
        }),
      );
      let verdict: ReturnType<typeof judgeResourceLog>;
      try {
        await Promise.all(clients.map(({ env, backend, resource }) => contend(backend, env, resource, ITERATIONS)));
        verdict = judgeResourceLog(await readFile(logPath, 'utf8'));
      } finally {
        for (const { backend, resource } of clients) {
          resource.close();
          await backend.close?.();
        }
        await rm(dir, { recursive: true, force: true });
        const cleanup = new pg.Pool({ connectionString: url, max: 1 });
        await cleanup.query(`DROP TABLE IF EXISTS ${table}`);
        await cleanup.end();
      }
      expect(verdict.problems).toEqual([]);
      expect(verdict.sections).toBe(CLIENTS * (ITERATIONS - Math.floor(ITERATIONS / 40)));
    });

    it('judges expiry by the server clock when no clock is injected', async () => {
      const env = realEnv('clock-check#1', { logLine: () => {} });
      const backend = await openLock(url, env);
      const serverClock = new pg.Pool({ connectionString: url, max: 1 });
      try {
        const key = `server-clock-${process.pid}`;
        const { rows } = await serverClock.query<{ ms: string }>('SELECT (floor(extract(epoch from clock_timestamp()) * 1000))::bigint AS ms');
        const serverMs = Number(rows[0]!.ms);
        const lease = await backend.tryAcquire(key, 'a#1', 60_000);
        expect(lease).not.toBeNull();
        // The lease is stamped with the server's time (it began after the query above), not an injected one.
        expect(lease!.acquiredAt).toBeGreaterThanOrEqual(serverMs);
        expect(lease!.expiresAt - lease!.acquiredAt).toBe(60_000);
        expect(await backend.tryAcquire(key, 'b#1', 60_000)).toBeNull();
        expect(await backend.release(lease!)).toBe(true);
        // The clock is read once per statement: two reads could straddle a millisecond (a lease of 60 001 ms).
        for (let round = 0; round < 300; round++) {
          const again = await backend.tryAcquire(key, `c${round}#1`, 60_000);
          expect(again!.expiresAt - again!.acquiredAt).toBe(60_000);
          await backend.release(again!);
        }
        await serverClock.query('DELETE FROM locks WHERE lock_name = $1', [key]);
      } finally {
        await serverClock.end();
        await backend.close?.();
      }
    });
  });
}
