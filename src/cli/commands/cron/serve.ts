import { Flags } from '@oclif/core';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { realEnv } from '../../../env/index.js';
import { openLock, parseLockSpec } from '../../../locks/index.js';
import { InputError } from '../../../env/errors.js';
import { CronScheduleError, isoInstant, parseCronSchedule, runCronServer, type CronRun, type CronSchedule } from '../../../systems/cron/index.js';
import { SimrunCommand } from '../../base.js';

export interface CronServeResult {
  readonly server: string;
  readonly name: string;
  /** Ticks this server ran the task for. */
  readonly ran: readonly number[];
}

export default class CronServeCommand extends SimrunCommand {
  static override summary = 'Run a named task on a cron schedule as one of several servers sharing a lock.';
  static override description =
    'Start it on every server (or several times on one machine): at each tick exactly one server runs the task. The holder of the lock keeps it between ticks ("existing lock, updating expires_at"); another server takes it only once it expired ("new lock"); the others print "queue: the task is already running". Lock bounds default to the schedule\'s period P: --ttl-ms 1.5 P, --lock-at-least-for-ms P/2, --lock-at-most-for-ms P, --misfire-grace-ms P/4. Stops after --ticks ticks, or on SIGINT/SIGTERM.';
  static override examples = [
    '<%= config.bin %> cron serve --name backup --schedule "* * * * *" --lock sqlite:locks.db --server server-1',
    '<%= config.bin %> cron serve --name backup --schedule "0 2 * * *" --tz Europe/Paris --lock postgres://user:pass@db/jobs --server "$(hostname)"',
    '<%= config.bin %> cron serve --name backup --schedule "*/1 * * * * *" --lock sqlite:locks.db --server server-2 --task-log runs.log --ticks 5',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    name: Flags.string({ description: "the task's name, which is also the lock's name", required: true }),
    schedule: Flags.string({ description: 'a cron expression: five fields, or six with seconds first', required: true }),
    tz: Flags.string({ description: 'the IANA time zone the schedule is read in', default: 'UTC' }),
    lock: Flags.string({ description: 'the shared lock: sqlite:PATH, postgres://..., or file:DIR', required: true }),
    server: Flags.string({ description: "this server's name (the lock owner is NAME#pid)", required: true }),
    'task-log': Flags.string({ description: 'append one JSON line per run start and end here (the task)' }),
    'task-ms': Flags.string({ description: 'how long the task works, ms', default: '100' }),
    ticks: Flags.string({ description: 'stop after this many ticks (run, skipped or missed)' }),
    'ttl-ms': Flags.string({ description: 'leadership kept after a run, ms' }),
    'lock-at-least-for-ms': Flags.string({ description: 'the lock is held until at least tick + this, ms' }),
    'lock-at-most-for-ms': Flags.string({ description: 'lease while the task runs (renewed every third), ms' }),
    'misfire-grace-ms': Flags.string({ description: 'a tick woken up to later than this is skipped, ms' }),
  };

  async run(): Promise<CronServeResult> {
    const { flags } = await this.parse(CronServeCommand);
    const schedule = parseSchedule(flags.schedule, flags.tz);
    const periodMs = schedule.periodAfter(Date.now());
    const ticks = flags.ticks === undefined ? undefined : parseInteger('--ticks', flags.ticks, 1);
    const taskMs = parseInteger('--task-ms', flags['task-ms'], 0);
    const times = {
      ttlMs: optionalMs('--ttl-ms', flags['ttl-ms'], Math.round(1.5 * periodMs)),
      lockAtLeastForMs: optionalMs('--lock-at-least-for-ms', flags['lock-at-least-for-ms'], Math.round(periodMs / 2)),
      lockAtMostForMs: Math.max(1, optionalMs('--lock-at-most-for-ms', flags['lock-at-most-for-ms'], periodMs)),
      misfireGraceMs: optionalMs('--misfire-grace-ms', flags['misfire-grace-ms'], Math.round(periodMs / 4)),
    };
    const taskLog = flags['task-log'] === undefined ? undefined : resolve(flags['task-log']);
    if (taskLog !== undefined) await requireDirectory(dirname(taskLog), `--task-log ${flags['task-log']}`);
    const spec = parseLockSpec(flags.lock);
    if (spec.kind === 'memory') throw new InputError('--lock memory lives inside one process and cannot coordinate servers: use sqlite:PATH, postgres://... or file:DIR');
    if (spec.kind === 'sqlite' && spec.path !== ':memory:') await requireDirectory(dirname(resolve(spec.path)), `--lock ${flags.lock}`);

    const env = realEnv(`${flags.server}#${process.pid}`, { logLine: () => {} });
    const lock = await openLock(spec, env);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const ran: number[] = [];
    const task = async (run: CronRun, signal: AbortSignal): Promise<void> => {
      ran.push(run.tick);
      const line = (event: string): string => JSON.stringify({ event, name: run.name, tick: run.tick, tickIso: isoInstant(run.tick), server: flags.server, pid: process.pid, token: run.token, at: env.now() }) + '\n';
      if (taskLog !== undefined) await env.fs.appendFile(taskLog, line('start'), 'utf8');
      await env.sleep(taskMs, signal);
      if (taskLog !== undefined) await env.fs.appendFile(taskLog, line('end'), 'utf8');
    };
    this.log(`${flags.server}: ${flags.name} on "${flags.schedule}" (${flags.tz}), lock ${spec.kind === 'postgres' ? spec.display : flags.lock}`);
    try {
      await runCronServer(env, lock, { name: flags.name, schedule, ...times, task, stop: stop.signal, ...(ticks === undefined ? {} : { ticks }) });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await lock.close?.();
    }
    return { server: flags.server, name: flags.name, ran };
  }
}

function parseSchedule(expression: string, timeZone: string): CronSchedule {
  try {
    return parseCronSchedule(expression, timeZone);
  } catch (error) {
    if (error instanceof CronScheduleError) throw new InputError(error.message.split('\n')[0] ?? error.message);
    throw error;
  }
}

function parseInteger(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min) throw new InputError(`${flag} must be an integer >= ${min}, got '${text}'`);
  return value;
}

function optionalMs(flag: string, text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : parseInteger(flag, text, 0);
}

async function requireDirectory(dir: string, what: string): Promise<void> {
  const isDirectory = await stat(dir).then((stats) => stats.isDirectory(), () => false);
  if (!isDirectory) throw new InputError(`${what}: directory ${dir} does not exist`);
}
