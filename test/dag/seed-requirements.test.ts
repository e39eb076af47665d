/**
 * `simrun dag` for real, the pipeline features a user of a job manager expects: runs numbered and
 * started over, a succeeded job re-run with what follows it, a parallelism limit, a runtime limit
 * that kills, each attempt's output kept, jobs reporting the data they generate, the strict success
 * rule, and notifications of success and failure on the console, by webhook and by email over a
 * real SMTP exchange on loopback, with a failing channel reported.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { describe, expect, test } from 'vitest';
import { checkScheduledOnTick } from '../../src/check/dag/scheduled-on-tick.js';
import { scheduleFacts } from '../../src/check/dag/schedule-trace.js';
import { parseLogLine } from '../../src/env/log-line.js';
import { groupAlive } from '../../src/real/dag/process-groups.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { hasStackTrace, simrun } from '../cli/helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function pipeline(text: string): { dir: string; file: string; store: string } {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-seed-'));
  const file = join(dir, 'p.yaml');
  writeFileSync(file, text);
  return { dir, file, store: `sqlite:${join(dir, 'state.db')}` };
}

/** `simrun` without blocking this process, so a server in it (SMTP, webhook) can answer. */
function simrunAsync(args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, ...args], { cwd, env: { ...process.env, NODE_ENV: 'production' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('simrun dag: runs, re-runs and restarts', () => {
  test('a finished pipeline says there is nothing to run; --new-run runs it as run 2; restart refuses what would change nothing; --force re-runs a job and what follows it', () => {
    const { dir, file, store } = pipeline(`name: etl
jobs:
  a:
    command: echo a >> ran
  b:
    command: echo b >> ran
    depends_on: [a]
  side:
    command: echo side >> ran
`);
    const run = (...extra: string[]): ReturnType<typeof simrun> => simrun(['dag', ...extra], { cwd: dir });
    expect(run('run', file, '--store', store, '--poll-ms', '50').status).toBe(0);
    const again = run('run', file, '--store', store, '--poll-ms', '50');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('nothing to run: every job of etl already succeeded in run 1');
    expect(readFileSync(join(dir, 'ran'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['a', 'b', 'side']);

    const refused = run('restart', file, 'a', '--store', store);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe("simrun: nothing to restart: job 'a' of etl already succeeded in run 1; pass --force to run it and every job after it again");
    expect(hasStackTrace(refused.stderr)).toBe(false);
    const forced = run('restart', file, 'a', '--store', store, '--force');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain('queued: rerun a and every job after it of etl');
    const rerun = run('run', file, '--store', store, '--poll-ms', '50');
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toContain('run 1');
    expect(readFileSync(join(dir, 'ran'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['a', 'a', 'b', 'b', 'side']);

    const fresh = run('run', file, '--store', store, '--poll-ms', '50', '--new-run');
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toContain('(sqlite:');
    expect(fresh.stdout).toMatch(/, run 2\):/);
    expect(readFileSync(join(dir, 'ran'), 'utf8').split('\n').filter(Boolean)).toHaveLength(8);
  });
});

describe('simrun dag: limits', () => {
  test('max_parallel: never more jobs running at once than the limit', () => {
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((name) => `  ${name}:\n    command: echo start >> events; sleep 0.2; echo end >> events\n`).join('');
    const { dir, file, store } = pipeline(`name: wide\nmax_parallel: 2\njobs:\n${jobs}`);
    expect(simrun(['dag', 'run', file, '--store', store, '--poll-ms', '50'], { cwd: dir }).status).toBe(0);
    let running = 0;
    let most = 0;
    for (const line of readFileSync(join(dir, 'events'), 'utf8').split('\n').filter(Boolean)) {
      running += line === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
  });

  test('kill_after_ms kills the job\'s whole process group and fails it; dag logs shows each attempt\'s output', () => {
    const { dir, file, store } = pipeline(`name: hung
jobs:
  hang:
    command: echo "attempt of $$"; echo $$ >> pids; sleep 30 & wait
    kill_after_ms: 300
    retries: 1
  after:
    command: echo never
    depends_on: [hang]
`);
    const result = simrun(['dag', 'run', file, '--store', store, '--poll-ms', '50', '--stop-timeout-ms', '1000'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/\[runtime-killed\] hung\/hang: killed after \d+ ms: its kill_after_ms is 300/);
    expect(result.stdout).toContain('[job-failed] hung/hang: failed (killed at its kill_after_ms of 300) after 2 attempt(s); blocked until it is restarted: after');
    const pids = readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(groupAlive(pid)).toBe(false);

    const logs = simrun(['dag', 'logs', file, 'hang', '--store', store], { cwd: dir });
    expect(logs.status).toBe(0);
    expect(logs.stdout).toBe(`== hung/hang run 1 attempt 1 ==\nattempt of ${pids[0]}\n== hung/hang run 1 attempt 2 ==\nattempt of ${pids[1]}\n`);
    const second = simrun(['dag', 'logs', file, 'hang', '--store', store, '--attempt', '2'], { cwd: dir });
    expect(second.stdout).toBe(`== hung/hang run 1 attempt 2 ==\nattempt of ${pids[1]}\n`);
    const missing = simrun(['dag', 'logs', file, 'hang', '--store', store, '--attempt', '3'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe("simrun: job 'hang' of hung has no attempt 3 in run 1 (attempts: 1, 2)");
  });
});

describe('simrun dag: data reports and the success rule', () => {
  test('a job reports its data with SIMRUN_DATA lines; the alert and the run log use the amount; bytes are the fallback', () => {
    const { dir, file, store } = pipeline(`name: data
jobs:
  reports:
    command: echo "SIMRUN_DATA amount=700"; echo lots of log text here; echo "SIMRUN_DATA amount=500"
    max_data: 1000
  silent:
    command: echo 0123456789
    max_data: 5
  within:
    command: echo "SIMRUN_DATA amount=3"; echo a long line of output that is more than three bytes
    max_data: 3
`);
    const result = simrun(['dag', 'run', file, '--store', store, '--poll-ms', '50'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('[data-exceeded] data/reports: generated 1200 as it reported, more than its max_data of 1000');
    expect(result.stdout).toContain('[data-exceeded] data/silent: generated 11 bytes of output (it reports no SIMRUN_DATA amount), more than its max_data of 5');
    expect(result.stdout).not.toContain('[data-exceeded] data/within');
    const status = JSON.parse(simrun(['dag', 'status', file, '--store', store, '--json'], { cwd: dir }).stdout) as { jobs: { job: string; amountOfDataBytes: number }[] };
    expect(status.jobs.map((job) => [job.job, job.amountOfDataBytes])).toEqual([['reports', 1200], ['silent', 11], ['within', 3]]);
  });

  test('a job whose shell exits 0 after a command failed, or with a child still running, is not a success', () => {
    const { dir, file, store } = pipeline(`name: strict
errexit: true
jobs:
  swallowed:
    command: "false; echo carried on"
  waited:
    command: (sleep 0.1; exit 4) & child=$!; wait $child; echo carried on
  left:
    command: sleep 30 > /dev/null 2>&1 & echo started
  fine:
    command: (sleep 0.1; exit 0) & wait $!; echo ok
`);
    const result = simrun(['dag', 'run', file, '--store', store, '--poll-ms', '50'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('carried on');
    expect(result.stdout).toContain('[job-failed] strict/swallowed: failed (exit 1)');
    expect(result.stdout).toContain('[job-failed] strict/waited: failed (exit 4)');
    expect(result.stdout).toContain('left! | simrun: the job exited 0 while processes it started were still running: they were killed and the attempt failed');
    expect(result.stdout).toMatch(/fine\s+succeeded/);
  });

  test('without errexit a failing command in the middle does not fail the job; a child left running still does', () => {
    const { dir, file, store } = pipeline(`name: lenient
jobs:
  middle:
    command: n=$(echo | grep -c x); echo "count $n"
  left:
    command: sleep 30 > /dev/null 2>&1 & echo started
`);
    const result = simrun(['dag', 'run', file, '--store', store, '--poll-ms', '50'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('middle | count 0');
    expect(result.stdout).toMatch(/middle\s+succeeded/);
    expect(result.stdout).toContain('[job-failed] lenient/left: failed (exit 1)');
  });
});

describe('simrun dag: notifications', () => {
  test('success and failure go to the console and by email over SMTP; a failing webhook is reported on the console', async () => {
    const mails: { from: string; to: string[]; body: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((to) => to.address), body });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    // A webhook that answers 500 to everything.
    const webhook: Server = createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const webhookPort = (webhook.address() as AddressInfo).port;
    try {
      const { dir, file, store } = pipeline(`name: mail
jobs:
  good:
    command: echo fine
  bad:
    command: exit 3
`);
      const result = await simrunAsync(
        ['dag', 'run', file, '--store', store, '--poll-ms', '50', '--email-to', 'ops@example.com', '--smtp', `smtp://127.0.0.1:${smtpPort}`, '--email-from', 'dag@example.com', '--webhook', `http://127.0.0.1:${webhookPort}/hook`],
        dir,
      );
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('[job-succeeded] mail/good: succeeded after 1 attempt(s)');
      expect(result.stdout).toContain('[job-failed] mail/bad: failed (exit 3) after 1 attempt(s)');
      expect(result.stdout).toContain(`[notify-failed] webhook http://127.0.0.1:${webhookPort}/hook: could not send job-succeeded for mail/good: webhook http://127.0.0.1:${webhookPort}/hook answered 500`);
      expect(result.stdout).not.toContain('[notify-failed] email');
      const subjects = mails.map((mail) => /^Subject: (.*)$/m.exec(mail.body)?.[1]).sort();
      expect(subjects).toEqual(['[simrun job-failed] mail/bad: failed (exit 3) after 1 attempt(s)', expect.stringMatching(/^\[simrun job-succeeded\] mail\/good: succeeded after 1 attempt\(s\)/)]);
      expect(mails.every((mail) => mail.from === 'dag@example.com' && mail.to.join() === 'ops@example.com')).toBe(true);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => webhook.close(() => resolve()));
    }
  });

  test('an SMTP server that is not there is reported on the console, and the pipeline carries on', async () => {
    const { dir, file, store } = pipeline('name: nomail\njobs:\n  good:\n    command: echo fine\n');
    const result = await simrunAsync(['dag', 'run', file, '--store', store, '--poll-ms', '50', '--email-to', 'ops@example.com', '--smtp', 'smtp://127.0.0.1:1'], dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\[notify-failed\] email via smtp:\/\/127\.0\.0\.1:1: could not send job-succeeded for nomail\/good: .*ECONNREFUSED/);
    expect(existsSync(join(dir, 'state.db'))).toBe(true);
  });
});

describe('simrun dag: schedules', () => {
  test('--schedule starts a new run at each tick of the pipeline\'s cron schedule until SIGTERM; scheduled-on-tick judges its log', async () => {
    const { dir, file, store } = pipeline('name: ticking\nschedule: "* * * * * *"\njobs:\n  tick:\n    command: echo tick >> ticks\n');
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, 'dag', 'run', file, '--store', store, '--poll-ms', '50', '--schedule', '--verbose'], { cwd: dir, env: { ...process.env, NODE_ENV: 'production' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const secondRun = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/, run 2\):/.test(stdout)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await secondRun;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/next run of .*p\.yaml at \d{4}-\d\d-\d\dT/);
    expect(stdout).toMatch(/pipeline ticking \(sqlite:.*, run 1\):\n {2}tick {2}succeeded/);
    expect(readFileSync(join(dir, 'ticks'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2);
    // The real scheduler is the simulated one's loop: its log is a trace the invariant reads.
    const trace = stderr
      .split('\n')
      .map(parseLogLine)
      .filter((line) => line !== undefined)
      .map((line, seq): TraceEvent => ({ seq, t: line.t, pid: line.pid, kind: line.kind, ...(line.data === undefined ? {} : { data: line.data }) }) as TraceEvent);
    const facts = scheduleFacts(trace);
    expect(facts.schedule).toBe('* * * * * *');
    expect(facts.steps.filter((step) => step.kind === 'fire').length).toBeGreaterThanOrEqual(2);
    // Fires and runs only: a wait is judged against its log line's own time, written a moment after
    // the clock was read, which a tick every second may straddle.
    expect(checkScheduledOnTick({ ...facts, steps: facts.steps.filter((step) => step.kind !== 'wait') })).toEqual([]);
  }, 120_000);

  test('the same invariant catches the real scheduler run with schedule-wakes-early (a wait cut to whole seconds)', async () => {
    const { dir, file, store } = pipeline('name: ticking\nschedule: "* * * * * *"\njobs:\n  tick:\n    command: "true"\n');
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, 'dag', 'run', file, '--store', store, '--poll-ms', '50', '--schedule', '--verbose', '--mutant', 'schedule-wakes-early'], { cwd: dir, env: { ...process.env, NODE_ENV: 'production' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const thirdRun = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/, run 3\):/.test(stdout)) resolve();
      });
    });
    await Promise.race([thirdRun, exited]);
    expect(child.exitCode, stderr).toBeNull();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const trace = stderr
      .split('\n')
      .map(parseLogLine)
      .filter((line) => line !== undefined)
      .map((line, seq): TraceEvent => ({ seq, t: line.t, pid: line.pid, kind: line.kind, ...(line.data === undefined ? {} : { data: line.data }) }) as TraceEvent);
    const facts = scheduleFacts(trace);
    const violations = checkScheduledOnTick({ ...facts, steps: facts.steps.filter((step) => step.kind !== 'wait') });
    expect(violations.map((violation) => violation.message)).toEqual(expect.arrayContaining([expect.stringMatching(/started \d+ ms before it|got a second run/)]));
  }, 120_000);

  test('--schedule on a pipeline without a schedule is one line, exit 2', () => {
    const { dir, file, store } = pipeline('name: once\njobs:\n  a:\n    command: "true"\n');
    const result = simrun(['dag', 'run', file, '--store', store, '--schedule'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`simrun: ${file}: the pipeline has no schedule: field (a cron expression, e.g. schedule: "0 2 * * *"), so --schedule has nothing to follow`);
  });
});
