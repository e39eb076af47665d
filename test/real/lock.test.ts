/**
 * `simrun real lock`: real lock clients taking turns on one backend under the nemesis pass the lock
 * checkers; the SQLite store that keeps the token on a takeover is caught. The mutant runs under a
 * plan that pauses each client in turn for three leases: a paused holder's key is taken over, which
 * the flawed store answers with the same token.
 *
 * On the file lock, which judges expiry by each client's clock, every client records its clock
 * offsets as it reads them, and exclusion is judged exactly on those clocks: the file lock whose skew
 * margin has the wrong sign is caught, on a trace the old rule (overlaps under twice the largest
 * offset forgiven) passes.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerClocks, checkLeaseExclusion, lockHistoryFromTrace } from '../../src/check/lock/index.js';
import { openSqliteFence } from '../../src/real/common/sqlite-fence.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { simrunAsync, type CampaignJson } from './real-cli.js';

describe('the shared fenced resource', () => {
  it('accepts a token at least the highest, refuses a lower one, across connections', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simrun-fence-'));
    try {
      const [a, b] = [openSqliteFence(join(dir, 'fence.db')), openSqliteFence(join(dir, 'fence.db'))];
      expect(a.write('k', 2, 'x')).toEqual({ accepted: true, highestBefore: 0 });
      expect(b.write('k', 2, 'x')).toEqual({ accepted: true, highestBefore: 2 });
      expect(b.write('k', 1, 'y')).toEqual({ accepted: false, highestBefore: 2 });
      expect(a.write('k', 3, 'y')).toEqual({ accepted: true, highestBefore: 2 });
      expect(a.write('other', 1, 'y')).toEqual({ accepted: true, highestBefore: 0 });
      a.close();
      b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('simrun real lock', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-real-lock-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a run on SQLite under the seeded nemesis passes every lock checker; the result carries the store answers', async () => {
    const run = await simrunAsync(['real', 'lock', '--runs', '1', '--seed', '1', '--out-dir', join(dir, 'pass'), '--json']);
    expect(run.stderr).toBe('');
    // On a violation the JSON names the invariant and the run's logs: shown, so a failure explains itself.
    expect(run.status, run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.status).toBe('passed');
    expect(result.nemesisActions).toBeGreaterThan(0);
    expect(result.counts.grants).toBeGreaterThan(0);
    expect(result.counts.writes).toBeGreaterThan(0);
    // Seed 1's plan sets a client's clock off and holds the SQLite file in another writer's transaction.
    expect(result.actionsByKind.clock).toBeGreaterThanOrEqual(1);
    expect(result.actionsByKind['sqlite-busy']).toBeGreaterThanOrEqual(1);
    const first = JSON.parse(await readFile(result.runResults[0]!.resultPath, 'utf8')) as { trace: Array<{ kind: string }>; invariants: Array<{ name: string }> };
    expect(first.invariants.map((invariant) => invariant.name)).toEqual(['lease-exclusion', 'lease-contract', 'fencing', 'lease-belief', 'progress', 'no-uncaught-errors']);
    const kinds = new Set(first.trace.map((event) => event.kind));
    for (const kind of ['lease.granted', 'lease.renewed', 'lease.released', 'lock.belief', 'resource.write', 'process.skew']) expect(kinds).toContain(kind);
  }, 180_000);

  it('the store that keeps the token on a takeover is caught (exit 1)', async () => {
    const plan = [1, 2, 3].map((index) => ({ at: 500 + (index - 1) * 3_500, kind: 'pause', target: `client-${index}`, ms: 3_000 }));
    await writeFile(join(dir, 'pauses.json'), JSON.stringify(plan));
    // A pause takes a key over only when it lands while its client holds one, which a loaded machine
    // can make miss in one run: the campaign replays the plan up to three runs and stops at the first catch.
    const run = await simrunAsync(['real', 'lock', '--runs', '3', '--mutant', 'no-token-bump-on-takeover', '--plan', join(dir, 'pauses.json'), '--out-dir', join(dir, 'mutant')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/✗ lease-contract: key "key-\d": token (\d+) granted to client-\d#\d+, not above token \1 granted earlier/);
  }, 180_000);

  it("a run on the file lock, a client's clock set off, passes the exact judgement on each client's recorded clock", async () => {
    const run = await simrunAsync(['real', 'lock', '--runs', '1', '--seed', '1', '--lock', `file:${join(dir, 'file-locks')}`, '--out-dir', join(dir, 'file'), '--json']);
    expect(run.stdout.split('\n').filter((line) => line.includes('✗'))).toEqual([]);
    expect(run.status, run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as CampaignJson;
    // Seed 1's plan sets client-1's clock 248 ms ahead.
    expect(result.actionsByKind.clock).toBeGreaterThanOrEqual(1);
    const { trace } = JSON.parse(await readFile(result.runResults[0]!.resultPath, 'utf8')) as { trace: TraceEvent[] };
    // Every incarnation records the offset it starts with, and the one the nemesis set once it reads it.
    const recorded = trace.filter((event) => event.kind === 'process.skew' && event.pid.includes('#'));
    expect(new Set(recorded.map((event) => event.pid.split('#')[0]))).toEqual(new Set(['client-1', 'client-2', 'client-3']));
    expect(recorded.some((event) => (event.data as { skewMs: number }).skewMs !== 0)).toBe(true);
  }, 180_000);

  it('the file lock whose skew margin has the wrong sign is caught by the exact rule; the old forgiveness passes the same trace', async () => {
    // Two clocks 400 ms apart and each client paused in turn for three leases: a paused holder's key
    // is taken over a quarter lease before the taker's clock reads its expiry. On true time the
    // overlap is at most that quarter plus the 400 ms, under the 1000 ms the old rule forgave.
    const plan = [
      { at: 100, kind: 'clock', target: 'client-1', offsetMs: 200 },
      { at: 100, kind: 'clock', target: 'client-2', offsetMs: -200 },
      ...[1, 2, 3].map((index) => ({ at: 500 + (index - 1) * 3_500, kind: 'pause', target: `client-${index}`, ms: 3_000 })),
    ];
    await writeFile(join(dir, 'skewed-pauses.json'), JSON.stringify(plan));
    const run = await simrunAsync(['real', 'lock', '--runs', '3', '--mutant', 'skew-margin-wrong-sign', '--plan', join(dir, 'skewed-pauses.json'), '--out-dir', join(dir, 'skew-mutant'), '--json']);
    expect(run.status, run.stdout).toBe(1);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.failure?.violations[0]?.invariant).toBe('lease-exclusion');
    expect(result.failure?.violations[0]?.message).toMatch(/^key "key-\d": granted token \d+ for client-\d#\d+ while token \d+ of client-\d#\d+ still had \d+ ms left/);
    const failing = result.runResults.at(-1)!;
    const { trace } = JSON.parse(await readFile(failing.resultPath, 'utf8')) as { trace: TraceEvent[] };
    expect(checkLeaseExclusion(lockHistoryFromTrace(trace, { expiryClock: 'caller' }), { judgingClock: callerClocks(trace) }).length).toBeGreaterThan(0);
    // The old rule: true time, forgiving overlaps shorter than twice the largest offset a clock action sets.
    expect(checkLeaseExclusion(lockHistoryFromTrace(trace), { toleranceMs: 2 * 500 })).toEqual([]);
  }, 240_000);

  it('refuses a mutant on a backend it does not replace, with one line and exit 2', async () => {
    const run = await simrunAsync(['real', 'lock', '--mutant', 'no-token-bump-on-takeover', '--lock', `file:${dir}`, '--out-dir', join(dir, 'bad')]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^simrun: --mutant no-token-bump-on-takeover is a SQLite store/);
    const file = await simrunAsync(['real', 'lock', '--mutant', 'skew-margin-wrong-sign', '--lock', `sqlite:${join(dir, 'x.db')}`, '--out-dir', join(dir, 'bad')]);
    expect(file.status).toBe(2);
    expect(file.stderr.trim()).toMatch(/^simrun: --mutant skew-margin-wrong-sign is a file lock: leave --lock out or give file:DIR$/);
  }, 60_000);

  it.skipIf(process.env.SIMRUN_PG_URL === undefined)('a run on PostgreSQL, its connections terminated by the nemesis, passes', async () => {
    // A database of its own: other suites keep tables of other shapes under the same names.
    const url = new URL(process.env.SIMRUN_PG_URL as string);
    const database = `simrun_real_lock_${process.pid}`;
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const adminUrl = url.toString();
    url.pathname = `/${database}`;
    const run = await simrunAsync(['real', 'lock', '--runs', '1', '--seed', '2', '--lock', url.toString(), '--out-dir', join(dir, 'pg'), '--json']);
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await cleanup.end();
    // A violation names itself: its lines are the message when this fails.
    expect(run.stdout.split('\n').filter((line) => line.includes('✗'))).toEqual([]);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.nemesisActions).toBeGreaterThan(0);
    expect(result.counts.grants).toBeGreaterThan(0);
    expect(result.actionsByKind['pg-terminate']).toBe(1);
  }, 180_000);
});
