/**
 * Cron servers for real: five `simrun cron serve` OS processes started at once on a seconds-level
 * schedule share one lock (a SQLite file, or PostgreSQL when SIMRUN_PG_URL is set), and the task's
 * own log is judged afterwards: no tick ran twice, and every tick the servers reached ran once. Nothing
 * here is timed; a tick a server woke up to too late is logged as missed and excused, as documented.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { defaultLockTimes } from '../../src/real/cron/serve.js';
import { parseCronSchedule } from '../../src/systems/cron/index.js';
import { hasStackTrace, ROOT, simrun } from '../cli/helpers.js';
import { postgresUrlOrSkipReason } from '../locks/fixtures.js';

const SERVERS = 5;
const TICKS = 4;

interface ServerRun {
  readonly server: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function serve(server: string, args: readonly string[]): Promise<ServerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, 'cron', 'serve', '--server', server, ...args], { env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ server, code, stdout, stderr }));
  });
}

/** What the servers printed per tick: `2026-...Z backup: new lock`. */
function attemptsByTick(runs: readonly ServerRun[], name: string): Map<string, string[]> {
  const byTick = new Map<string, string[]>();
  for (const run of runs) {
    for (const line of run.stdout.split('\n')) {
      const match = new RegExp(`^(\\S+Z) ${name}: (.+)$`).exec(line);
      if (match) byTick.set(match[1]!, [...(byTick.get(match[1]!) ?? []), match[2]!]);
    }
  }
  return byTick;
}

async function fiveServers(lock: string, name: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-cron-'));
  const taskLog = join(dir, 'runs.log');
  const args = ['--name', name, '--schedule', '*/1 * * * * *', '--lock', lock, '--task-log', taskLog, '--ticks', String(TICKS), '--task-ms', '50'];
  const runs = await Promise.all(Array.from({ length: SERVERS }, (_, index) => serve(`server-${index + 1}`, args)));
  for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });

  const starts = readFileSync(taskLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event: string; tickIso: string; server: string }).filter((entry) => entry.event === 'start');
  const runsPerTick = new Map<string, string[]>();
  for (const start of starts) runsPerTick.set(start.tickIso, [...(runsPerTick.get(start.tickIso) ?? []), start.server]);
  // At most once: no tick in the task's log twice.
  expect([...runsPerTick].filter(([, servers]) => servers.length > 1)).toEqual([]);

  // At least once: every tick a server reached in time (not "missed") ran, on exactly one server.
  const attempts = attemptsByTick(runs, name);
  expect(attempts.size).toBeGreaterThanOrEqual(TICKS);
  for (const [tick, messages] of attempts) {
    if (messages.some((message) => message.startsWith('missed'))) continue;
    expect(runsPerTick.get(tick), `tick ${tick}: ${messages.join(' | ')}`).toHaveLength(1);
    expect(messages.filter((message) => message === 'new lock' || message === 'existing lock, updating expires_at')).toHaveLength(1);
  }
  // The leader kept its lock from tick to tick, as the seed's servers do.
  expect(runs.some((run) => run.stdout.includes('existing lock, updating expires_at'))).toBe(true);
  expect(runs.some((run) => run.stdout.includes('queue: the task is already running'))).toBe(true);
}

describe('simrun cron serve, for real', () => {
  test(`${SERVERS} OS processes on a SQLite file: each tick runs once`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-cron-db-'));
    await fiveServers(`sqlite:${join(dir, 'locks.db')}`, 'backup');
  });

  const postgres = postgresUrlOrSkipReason();
  if ('url' in postgres) {
    test(`${SERVERS} OS processes on PostgreSQL: each tick runs once`, async () => {
      await fiveServers(postgres.url, `backup-${process.pid}`);
    });
  } else {
    test.skip(`${SERVERS} OS processes on PostgreSQL: skipped: ${postgres.skip}`, () => {});
  }
});

describe('bad input: one line on stderr, exit 2, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-cron-bad-'));
  const base = ['cron', 'serve', '--name', 'backup', '--server', 'server-1', '--lock', `sqlite:${join(dir, 'locks.db')}`];
  test.each([
    ['an invalid cron expression', [...base, '--schedule', '61 * * * *'], "invalid cron expression '61 * * * *'"],
    ['an unknown time zone', [...base, '--schedule', '* * * * *', '--tz', 'Europe/Atlantis'], "unknown time zone 'Europe/Atlantis'"],
    ['a task log in a missing directory', [...base, '--schedule', '* * * * *', '--task-log', join(dir, 'missing', 'runs.log')], 'does not exist'],
    ['an empty command', [...base, '--schedule', '* * * * *', '--command', ' '], '--command must not be empty'],
    ['a ttl without a unit', [...base, '--schedule', '* * * * *', '--ttl', '60'], "--ttl expects a number with a unit (ms, s, m, h), like 60m; got '60'"],
    ['a zero tick count', [...base, '--schedule', '* * * * *', '--ticks', '0'], 'Parsing --ticks: Expected an integer greater than or equal to 1 but received: 0'],
  ])('%s', (_name, args, message) => {
    const run = simrun(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});

/** Five servers running a real shell command: it runs once per tick, on the leader, its exit and output logged. */
async function fiveServersWithCommand(lock: string, name: string): Promise<{ runs: ServerRun[]; ticksRun: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-cron-command-'));
  const ran = join(dir, 'ran.txt');
  // Exit 3 on the second run, so a failing status is logged too.
  const command = `echo "$SIMRUN_CRON_TICK $SIMRUN_CRON_NAME" >> '${ran}'; echo "backed up $SIMRUN_CRON_TICK"; echo "note from stderr" >&2; if [ "$(wc -l < '${ran}')" -eq 2 ]; then exit 3; fi`;
  const args = ['--name', name, '--schedule', '*/1 * * * * *', '--lock', lock, '--command', command, '--ticks', String(TICKS), '--events'];
  const runs = await Promise.all(Array.from({ length: SERVERS }, (_, index) => serve(`server-${index + 1}`, args)));
  for (const run of runs) expect(run.code, run.stderr).toBe(0);
  const ticksRun = readFileSync(ran, 'utf8').trim().split('\n').map((line) => line.split(' ')[0]!);
  return { runs, ticksRun };
}

function commandEvents(runs: readonly ServerRun[], kind: string): Array<Record<string, unknown>> {
  return runs.flatMap((run) =>
    run.stderr
      .split('\n')
      .filter((line) => line.includes(`"${kind}"`))
      .map((line) => JSON.parse(line) as { data: Record<string, unknown> })
      .map((event) => event.data),
  );
}

describe('simrun cron serve --command, for real', () => {
  const judge = (name: string, { runs, ticksRun }: { runs: ServerRun[]; ticksRun: string[] }): void => {
    // Only the leader of each tick ran it: no tick twice, and every run is one a server printed a lock for.
    expect(new Set(ticksRun).size).toBe(ticksRun.length);
    expect(ticksRun.length).toBeGreaterThanOrEqual(2);
    const locked = new Set([...attemptsByTick(runs, name)].filter(([, messages]) => messages.some((m) => m === 'new lock' || m.startsWith('existing lock'))).map(([tick]) => tick));
    for (const tick of ticksRun) expect(locked.has(tick), tick).toBe(true);
    // Exit status and output logged: printed by the server, and as events.
    const printed = runs.map((run) => run.stdout).join('\n');
    expect(printed).toMatch(/command exited with status 0/);
    expect(printed).toMatch(/command exited with status 3/);
    expect(printed).toMatch(/ {2}stdout\| backed up \S+Z/);
    expect(printed).toMatch(/ {2}stderr\| note from stderr/);
    const exits = commandEvents(runs, 'cron.command.exit');
    expect(exits).toHaveLength(ticksRun.length);
    expect(exits.map((exit) => exit.exitCode).sort()).toEqual([...Array(ticksRun.length - 1).fill(0), 3].sort());
    expect(exits.every((exit) => typeof exit.stdout === 'string' && (exit.stdout as string).startsWith('backed up ') && exit.stderr === 'note from stderr\n')).toBe(true);
    expect(commandEvents(runs, 'cron.command.start')).toHaveLength(ticksRun.length);
    // The failing run ended `failed`.
    expect(commandEvents(runs, 'cron.run.end').filter((end) => end.outcome === 'failed')).toHaveLength(1);
  };

  test(`${SERVERS} OS processes on a SQLite file; SELECT * FROM locks reads as readable times`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-cron-command-db-'));
    const database = join(dir, 'locks.db');
    judge('backup', await fiveServersWithCommand(`sqlite:${database}`, 'backup'));
    const db = new Database(database, { readonly: true });
    const row = db.prepare('SELECT * FROM locks').get() as { lock_name: string; lock_time: string; expires_at: string };
    db.close();
    expect(row.lock_name).toBe('backup');
    expect(row.lock_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  const postgres = postgresUrlOrSkipReason();
  if ('url' in postgres) {
    test(`${SERVERS} OS processes on PostgreSQL`, async () => {
      const name = `backup_command_${process.pid}`;
      judge(name, await fiveServersWithCommand(postgres.url, name));
    });
  } else {
    test.skip(`${SERVERS} OS processes on PostgreSQL: skipped: ${postgres.skip}`, () => {});
  }
});

describe('default lease times follow the schedule', () => {
  test('an hourly task keeps its lock 60 minutes past a run; a yearly one a day at most', () => {
    expect(defaultLockTimes(parseCronSchedule('0 * * * *').periodAfter(0))).toEqual({ ttlMs: 3_600_000, lockAtLeastForMs: 1_800_000, lockAtMostForMs: 3_600_000, misfireGraceMs: 900_000 });
    expect(defaultLockTimes(parseCronSchedule('* * * * *').periodAfter(0)).ttlMs).toBe(60_000);
    expect(defaultLockTimes(parseCronSchedule('0 0 1 1 *').periodAfter(0)).ttlMs).toBe(86_400_000);
  });
});
