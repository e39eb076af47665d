/**
 * The waiting line kept in each lock store (`src/locks/wait-queue.ts`): tickets in order of
 * arrival, places ahead counted, a place not kept lapses, leaving lets the next one through. Time
 * comes from a hand-moved clock; PostgreSQL runs when SIMRUN_PG_URL is set.
 */
import Database from 'better-sqlite3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createFileWaitQueue, createMemoryWaitQueue, createPostgresWaitQueue, createSqliteWaitQueue, type WaitQueue } from '../../src/locks/index.js';
import { memoryFs, postgresUrlOrSkipReason, realFs } from './fixtures.js';

const TTL = 1_000;
const postgres = postgresUrlOrSkipReason();

const stores: Array<[string, (now: () => number) => Promise<WaitQueue>]> = [
  ['memory', async (now) => createMemoryWaitQueue({ now })],
  ['file on a real directory', async (now) => createFileWaitQueue(realFs, await mkdtemp(join(tmpdir(), 'simrun-queue-')), { now })],
  ['file on the simulated volume', async (now) => createFileWaitQueue(memoryFs(), '/locks', { now })],
  ['sqlite', async (now) => createSqliteWaitQueue(new Database(':memory:'), { now })],
  ...('url' in postgres ? [['postgres', async (now: () => number) => createPostgresWaitQueue(postgres.url, { now })] as [string, (now: () => number) => Promise<WaitQueue>]] : []),
];

describe.each(stores)('wait queue in %s', (_name, open) => {
  const line = `client-jobs/acme-${process.pid}-${Math.floor(Math.random() * 1e9)}`;

  test('tickets follow arrival; each waiter sees who is ahead; leaving lets the next through', async () => {
    let clock = 1_000_000;
    const queue = await open(() => clock);
    try {
      const first = await queue.join(line, 'job-1#1', TTL);
      const second = await queue.join(line, 'job-2#1', TTL);
      const third = await queue.join(line, 'job-3#1', TTL);
      expect(first.ticket).toBeLessThan(second.ticket);
      expect(second.ticket).toBeLessThan(third.ticket);
      expect((await queue.keep(first, TTL))?.ahead).toBe(0);
      expect((await queue.keep(third, TTL))?.ahead).toBe(2);
      expect(await queue.leave(first)).toBe(true);
      expect((await queue.keep(second, TTL))?.ahead).toBe(0);
      expect((await queue.keep(third, TTL))?.ahead).toBe(1);
      // Another line is independent.
      const other = await queue.join(`${line}-other`, 'job-9#1', TTL);
      expect((await queue.keep(other, TTL))?.ahead).toBe(0);
      clock += 1;
    } finally {
      await queue.close?.();
    }
  });

  test('a place not kept lapses: its waiter is skipped, then told it lost its place', async () => {
    let clock = 2_000_000;
    const queue = await open(() => clock);
    try {
      const dead = await queue.join(`${line}-lapse`, 'job-1#1', TTL);
      const alive = await queue.join(`${line}-lapse`, 'job-2#1', TTL);
      expect((await queue.keep(alive, TTL))?.ahead).toBe(1);
      clock += 600;
      const kept = await queue.keep(alive, TTL);
      expect(kept?.ahead).toBe(1);
      clock += 600; // dead's place (kept last at +0) has lapsed; alive's (kept at +600) has not
      expect((await queue.keep(kept!.place, TTL))?.ahead).toBe(0);
      expect(await queue.keep(dead, TTL)).toBeNull();
      expect(await queue.leave(dead)).toBe(false);
      // A newcomer queues behind the live waiter, never in the dead one's place.
      const late = await queue.join(`${line}-lapse`, 'job-1#2', TTL);
      expect(late.ticket).toBeGreaterThan(alive.ticket);
      expect((await queue.keep(late, TTL))?.ahead).toBe(1);
    } finally {
      await queue.close?.();
    }
  });
});
