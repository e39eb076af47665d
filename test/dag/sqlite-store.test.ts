/**
 * The SQLite run log read back: a store reads only the rows added since its last read, so these
 * check that what it gives is every row of the pipeline, oldest first, whoever wrote them (another
 * store on the same database, as a second runner or `simrun dag` is), and that rows deleted behind
 * its back are gone from its next read. Also: taking commands when none are pending.
 */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { RunLogEntry } from '../../src/systems/dag/run-log.js';
import { createSqliteStore } from '../../src/systems/dag/sqlite-store.js';

function row(jobKey: string, timestampMs: number, pipeline = 'p'): RunLogEntry {
  return { pipeline, jobKey, attempt: 1, status: 'running', execTimeMs: 0, amountOfDataBytes: 0, timestampMs, run: 1 };
}

describe('SQLite store: entries', () => {
  test('every row of the pipeline, oldest first, across reads and writers', async () => {
    const database = new Database(':memory:');
    const reader = createSqliteStore(database);
    const writer = createSqliteStore(database);
    expect(await reader.entries('p')).toEqual([]);
    await reader.append(row('a', 1));
    await writer.append(row('b', 2));
    await writer.append(row('x', 3, 'other'));
    expect(await reader.entries('p')).toEqual([row('a', 1), row('b', 2)]);
    await writer.append(row('c', 4));
    expect(await reader.entries('p')).toEqual([row('a', 1), row('b', 2), row('c', 4)]);
    expect(await reader.entries('other')).toEqual([row('x', 3, 'other')]);
    // A caller may keep or change the array it was given: the next read is whole either way.
    const first = await reader.entries('p');
    first.length = 0;
    expect(await reader.entries('p')).toHaveLength(3);
  });

  test('rows deleted behind its back are gone from its next read', async () => {
    const database = new Database(':memory:');
    const store = createSqliteStore(database);
    for (const [index, job] of ['a', 'b', 'c'].entries()) await store.append(row(job, index));
    expect((await store.entries('p')).map((entry) => entry.jobKey)).toEqual(['a', 'b', 'c']);
    database.prepare("DELETE FROM dag_run_log WHERE job_key = 'b'").run();
    await store.append(row('d', 9));
    expect((await store.entries('p')).map((entry) => entry.jobKey)).toEqual(['a', 'c', 'd']);
  });
});

describe('SQLite store: pending', () => {
  test('nothing pending gives nothing; pending commands are listed oldest first until committed', async () => {
    const database = new Database(':memory:');
    const store = createSqliteStore(database);
    expect(await store.pending('p')).toEqual([]);
    await store.enqueue({ pipeline: 'p', action: 'stop', jobKey: 'a' });
    await store.enqueue({ pipeline: 'q', action: 'start', jobKey: null });
    await store.enqueue({ pipeline: 'p', action: 'start', jobKey: null });
    expect(await store.pending('p')).toEqual([
      { id: 1, pipeline: 'p', action: 'stop', jobKey: 'a' },
      { id: 3, pipeline: 'p', action: 'start', jobKey: null },
    ]);
    expect(await store.commit([], { command: 1 })).toBe(true);
    expect(await store.commit([], { command: 3 })).toBe(true);
    expect(await store.pending('p')).toEqual([]);
    expect(await store.pending('q')).toEqual([{ id: 2, pipeline: 'q', action: 'start', jobKey: null }]);
  });
});
