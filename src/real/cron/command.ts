/**
 * The cron task as a real shell command (`simrun cron serve --command`): run by `/bin/sh -c` on the
 * server that holds the lock, in its own process group so that a lost lock (the run's signal aborts)
 * stops the command and whatever it started. Its start and its end (exit status, signal, the last
 * `OUTPUT_KEPT_CHARS` of each output stream) are logged as `cron.command.*` events; a status other
 * than 0, or an end by a signal, fails the run.
 */
import { spawn } from 'node:child_process';
import type { Env } from '../../env/env.js';
import { emitCron, isoInstant, OUTPUT_KEPT_CHARS, type CronRun } from '../../systems/cron/index.js';

/** How long a command told to stop (SIGTERM) may take before it is killed (SIGKILL), ms. */
export const KILL_AFTER_MS = 5_000;

export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Keeps the last `limit` characters of a stream. */
class Tail {
  private text = '';
  constructor(private readonly limit: number) {}
  add(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }
  toString(): string {
    return this.text;
  }
}

/**
 * Runs `command` for `run`; resolves with its outcome once it ended. The command sees the run in its
 * environment: `SIMRUN_CRON_NAME`, `SIMRUN_CRON_TICK` (ISO instant) and `SIMRUN_CRON_TOKEN` (the
 * lease's fencing token, for a command that writes to a store able to check it).
 */
export function runShellCommand(env: Env, command: string, run: CronRun, signal: AbortSignal, groups?: { watch(pgid: number): void; forget(pgid: number): void }): Promise<CommandOutcome> {
  emitCron(env, { kind: 'cron.command.start', data: { name: run.name, tick: run.tick, command } });
  return new Promise((resolve) => {
    const stdout = new Tail(OUTPUT_KEPT_CHARS);
    const stderr = new Tail(OUTPUT_KEPT_CHARS);
    const child = spawn('/bin/sh', ['-c', command], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SIMRUN_CRON_NAME: run.name, SIMRUN_CRON_TICK: isoInstant(run.tick), SIMRUN_CRON_TOKEN: String(run.token) },
    });
    // The server's watchdog ends the group should the server be killed outright while it runs.
    const pgid = child.pid;
    if (pgid !== undefined) groups?.watch(pgid);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.add(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.add(chunk));
    let killer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      signalGroup(child.pid, 'SIGTERM');
      killer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_AFTER_MS);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    let finished = false;
    const finish = (outcome: CommandOutcome): void => {
      // A spawn error may be followed by 'close': the first one counts.
      if (finished) return;
      finished = true;
      if (pgid !== undefined) groups?.forget(pgid);
      signal.removeEventListener('abort', stop);
      if (killer !== undefined) clearTimeout(killer);
      emitCron(env, { kind: 'cron.command.exit', data: { name: run.name, tick: run.tick, ...outcome } });
      resolve(outcome);
    };
    child.on('error', (error) => finish({ exitCode: null, signal: null, stdout: stdout.toString(), stderr: `${stderr.toString()}${error.message}\n` }));
    child.on('close', (exitCode, exitSignal) => finish({ exitCode, signal: exitSignal, stdout: stdout.toString(), stderr: stderr.toString() }));
  });
}

/** Sends `signal` to the command's process group (its children too); it may have ended already. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The outcome in words, for the server's log line: `exited with status 0`, `killed by SIGTERM`. */
export function describeOutcome(outcome: CommandOutcome): string {
  if (outcome.exitCode !== null) return `exited with status ${outcome.exitCode}`;
  if (outcome.signal !== null) return `killed by ${outcome.signal}`;
  return `could not start: ${outcome.stderr.trim()}`;
}
