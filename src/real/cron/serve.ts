/**
 * One cron server for real (`simrun cron serve`): the shipped `runCronServer` on Node's clock, a
 * lock shared with the other servers, and a task: a shell command (`--command`, see `command.ts`),
 * or, without one, a pause of `--task-ms`. Each run's start and end (with the command's exit status)
 * can be appended as JSON lines to a task log, so a test can tell whether two servers ever ran one
 * tick.
 *
 * Default lease times follow the schedule's period P (the gap between its next two ticks), capped at
 * a day: leadership is kept for P after a run (`--ttl`), so an hourly task's `expires_at` is an hour
 * past its run, as the seed's servers set it; P/2 at least past the tick; P while the task runs.
 */
import { lstat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../../env/errors.js';
import { realEnv } from '../../env/real-env.js';
import { openLock } from '../../locks/index.js';
import type { Env } from '../../env/env.js';
import type { LockBackend } from '../../locks/index.js';
import {
  CronScheduleError,
  cronMutants,
  isoInstant,
  parseCronSchedule,
  runCronServer,
  type CronLockTimes,
  type CronMutant,
  type CronMutantName,
  type CronRun,
  type CronSchedule,
  type CronServerOptions,
} from '../../systems/cron/index.js';
import { describeOutcome, KILL_AFTER_MS, runShellCommand } from './command.js';
import { GroupWatchdog } from '../common/group-watchdog.js';
import { requireDirectory } from '../common/files.js';
import { checkSharedLockSpec, displayLockSpec } from '../common/shared-lock.js';
import { untilInterrupted } from '../common/signals.js';

export interface CronServeOptions {
  /** The task's name, which is also the lock's name. */
  readonly name: string;
  /** A cron expression: five fields, or six with seconds first. */
  readonly schedule: string;
  /** The IANA time zone the schedule is read in. */
  readonly timeZone: string;
  /** The shared lock: `sqlite:PATH`, `postgres://...` or `file:DIR`. */
  readonly lock: string;
  /** This server's name; the lock owner is `NAME#pid`. */
  readonly server: string;
  /** Append one JSON line per run start and end here. */
  readonly taskLog?: string;
  /** How long the task works, ms, when there is no command. */
  readonly taskMs: number;
  /** A shell command to run as the task, by `/bin/sh -c`, on the leader only. */
  readonly command?: string;
  /** Stop after this many ticks (run, skipped or missed); until interrupted when absent. */
  readonly ticks?: number;
  /** Lock bounds; each defaults to a share of the schedule's period P (see `defaultLockTimes`). */
  readonly ttlMs?: number;
  readonly lockAtLeastForMs?: number;
  readonly lockAtMostForMs?: number;
  readonly misfireGraceMs?: number;
  /** Where the one line saying what this server does goes. */
  readonly print: (line: string) => void;
  /** Also write the server's typed trace events (`cron.*`, lock calls) to standard error as JSON lines. */
  readonly events?: boolean;
  /** A deliberately broken leader policy (`cronMutants`), for `simrun real cron-leader --mutant`. */
  readonly mutant?: string;
}

export interface CronServeResult {
  readonly server: string;
  readonly name: string;
  /** Ticks this server ran the task for. */
  readonly ran: readonly number[];
}

/** Runs the server until `ticks` ticks passed, or until SIGINT or SIGTERM. */
/** `path` is absent (it will be created) or a regular file: a directory or FIFO is refused up front. */
async function requireAppendableFile(path: string, what: string): Promise<void> {
  const found = await lstat(path).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new InputError(`${what}: cannot use ${path}: ${(error as { code?: string }).code ?? String(error)}`);
  });
  if (found !== undefined && !found.isFile()) throw new InputError(`${what}: ${path} is not a regular file`);
}

export async function serveCron(options: CronServeOptions): Promise<CronServeResult> {
  for (const [flag, value] of [['--name', options.name], ['--schedule', options.schedule], ['--server', options.server]] as const) {
    if (value.trim() === '') throw new InputError(`${flag} must not be empty`);
  }
  const schedule = parseSchedule(options.schedule, options.timeZone);
  if (options.command !== undefined && options.command.trim() === '') throw new InputError('--command must not be empty');
  const defaults = defaultLockTimes(schedule.periodAfter(Date.now()));
  const times = {
    ttlMs: options.ttlMs ?? defaults.ttlMs,
    lockAtLeastForMs: options.lockAtLeastForMs ?? defaults.lockAtLeastForMs,
    lockAtMostForMs: Math.max(1, options.lockAtMostForMs ?? defaults.lockAtMostForMs),
    misfireGraceMs: options.misfireGraceMs ?? defaults.misfireGraceMs,
  };
  const taskLog = options.taskLog === undefined ? undefined : resolve(options.taskLog);
  if (taskLog !== undefined) {
    await requireDirectory(dirname(taskLog), `--task-log ${options.taskLog}`);
    await requireAppendableFile(taskLog, `--task-log ${options.taskLog}`);
  }
  // A file lock lives in a directory: a regular file there would be blamed on "another server" forever.
  if (options.lock.startsWith('file:')) {
    const lockDir = await lstat(options.lock.slice('file:'.length)).catch(() => undefined);
    if (lockDir !== undefined && !lockDir.isDirectory()) throw new InputError(`--lock ${options.lock}: not a directory`);
  }
  const spec = await checkSharedLockSpec({ spec: options.lock, sharedBy: 'servers' });

  if (options.mutant !== undefined && !(options.mutant in cronMutants)) throw new InputError(`--mutant: unknown cron mutant '${options.mutant}' (known: ${Object.keys(cronMutants).join(', ')})`);
  const env = realEnv(`${options.server}#${process.pid}`, options.events === true ? {} : { logLine: () => {} });
  const lock = await openLock(spec, env);
  const ran: number[] = [];
  // A server killed outright cannot stop its command: the watchdog ends the command's group when it is gone.
  const watchdog = options.command === undefined ? undefined : GroupWatchdog.start(KILL_AFTER_MS);
  /** The server's stop (SIGINT, SIGTERM), once it runs. */
  let serverStop: AbortSignal | undefined;
  const task = async (run: CronRun, lockLost: AbortSignal): Promise<void> => {
    ran.push(run.tick);
    // A stop ends the run under way as a lost lock does (the command's group gets SIGTERM, then SIGKILL
    // after KILL_AFTER_MS), so the server exits within that bound, not after an hours-long command.
    const signal = serverStop === undefined ? lockLost : AbortSignal.any([lockLost, serverStop]);
    const line = (event: string, extra: object = {}): string =>
      JSON.stringify({ event, name: run.name, tick: run.tick, tickIso: isoInstant(run.tick), server: options.server, pid: process.pid, token: run.token, at: env.now(), ...extra }) + '\n';
    if (taskLog !== undefined) await env.fs.appendFile(taskLog, line('start'), 'utf8');
    if (options.command === undefined) {
      await env.sleep(options.taskMs, signal);
      if (taskLog !== undefined) await env.fs.appendFile(taskLog, line('end'), 'utf8');
      return;
    }
    const outcome = await runShellCommand(env, options.command, run, signal, watchdog);
    options.print(`${isoInstant(run.tick)} ${run.name}: command ${describeOutcome(outcome)}`);
    for (const [stream, text] of [['stdout', outcome.stdout], ['stderr', outcome.stderr]] as const) {
      for (const outputLine of text.split('\n').filter((entry) => entry !== '')) options.print(`  ${stream}| ${outputLine}`);
    }
    if (taskLog !== undefined) await env.fs.appendFile(taskLog, line('end', { exitCode: outcome.exitCode, signal: outcome.signal }), 'utf8');
    if (outcome.exitCode !== 0) throw new Error(`command ${describeOutcome(outcome)}`);
  };
  options.print(`${options.server}: ${options.name} on "${options.schedule}" (${options.timeZone}), lock ${displayLockSpec(options.lock)}`);
  try {
    await untilInterrupted((stop) => {
      serverStop = stop;
      return runCronServer(env, lock, {
        name: options.name,
        schedule,
        ...times,
        task,
        stop,
        ...(options.ticks === undefined ? {} : { ticks: options.ticks }),
        ...(options.mutant === undefined ? {} : mutantOptions(cronMutants[options.mutant as CronMutantName], env, lock, options.name, times)),
      });
    });
  } finally {
    watchdog?.close();
    await lock.close?.();
  }
  return { server: options.server, name: options.name, ran };
}

/** The longest default lease: a daily or rarer task keeps its lock for a day after a run. */
export const DEFAULT_TTL_CAP_MS = 86_400_000;

/**
 * The lock times used when not given, from the schedule's period P capped at a day: leadership kept
 * P after a run (an hourly task: 60 minutes, the seed's `lock_time + 60 minutes`); held at least P/2
 * past the tick; P while the task runs (renewed every third); a tick woken to more than P/4 late is
 * skipped.
 */
export function defaultLockTimes(periodMs: number): { ttlMs: number; lockAtLeastForMs: number; lockAtMostForMs: number; misfireGraceMs: number } {
  const p = Math.min(periodMs, DEFAULT_TTL_CAP_MS);
  return { ttlMs: p, lockAtLeastForMs: Math.round(p / 2), lockAtMostForMs: Math.max(1, p), misfireGraceMs: Math.round(p / 4) };
}

/** A mutant's lock rules and server flaws, as server options. */
function mutantOptions(mutant: CronMutant, env: Env, lock: LockBackend, name: string, times: CronLockTimes): Pick<CronServerOptions, 'policy' | 'flaws'> {
  return { policy: mutant.policy(env, lock, name, times), ...(mutant.flaws === undefined ? {} : { flaws: mutant.flaws }) };
}

/** A schedule error as one line: cron-parser's messages run on. */
function parseSchedule(expression: string, timeZone: string): CronSchedule {
  try {
    return parseCronSchedule(expression, timeZone);
  } catch (error) {
    if (error instanceof CronScheduleError) throw new InputError(error.message.split('\n')[0] ?? error.message);
    throw error;
  }
}
