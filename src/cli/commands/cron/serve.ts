import { Flags } from '@oclif/core';
import { serveCron, type CronServeResult } from '../../../real/cron/serve.js';
import { SimrunCommand } from '../../base.js';
import { InputError } from '../../../env/errors.js';
import { countFlag, durationMsFlag, lockSpecFlag, nameFlag, outputFileFlag } from '../../flags.js';
import { cronMutants } from '../../../systems/cron/index.js';

/** `--ttl 60m` → ms: a number with a unit (ms, s, m, h). */
function parseTtl(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new InputError(`--ttl expects a number with a unit (ms, s, m, h), like 60m; got '${text}'`);
  return Math.round(Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h']);
}

export default class CronServeCommand extends SimrunCommand {
  static override summary = 'Run a named task on a cron schedule as one of several servers sharing a lock.';
  static override description =
    'Start it on every server (or several times on one machine): at each tick exactly one server runs the task, the shell command given by --command (its exit status and output are printed and logged; a status other than 0 fails the run). The holder of the lock keeps it between ticks ("existing lock, updating expires_at"); another server takes it only once it expired ("new lock"); the others print "queue: the task is already running". Lock bounds default to the schedule\'s period P, capped at a day: --ttl P (an hourly task keeps its lock 60 minutes past a run), --lock-at-least-for-ms P/2, --lock-at-most-for-ms P, --misfire-grace-ms P/4. Stops after --ticks ticks, or on SIGINT/SIGTERM.';
  static override examples = [
    '<%= config.bin %> cron serve --name backup --schedule "0 * * * *" --lock sqlite:locks.db --server server-1 --command "./backup.sh"',
    '<%= config.bin %> cron serve --name backup --schedule "0 2 * * *" --tz Europe/Paris --lock postgres://user:pass@db/jobs --server "$(hostname)"',
    '<%= config.bin %> cron serve --name backup --schedule "*/1 * * * * *" --lock sqlite:locks.db --server server-2 --task-log runs.log --ticks 5',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    name: nameFlag({ description: "the task's name, which is also the lock's name", required: true }),
    schedule: Flags.string({ description: 'a cron expression: five fields, or six with seconds first', required: true }),
    tz: Flags.string({ description: 'the IANA time zone the schedule is read in', default: 'UTC' }),
    lock: lockSpecFlag({ description: 'the shared lock: sqlite:PATH, postgres://..., or file:DIR', required: true }),
    server: nameFlag({ description: "this server's name (the lock owner is NAME#pid)", required: true }),
    command: Flags.string({ description: 'the task: a shell command run by /bin/sh -c on the leader (SIMRUN_CRON_NAME, SIMRUN_CRON_TICK, SIMRUN_CRON_TOKEN in its environment)' }),
    'task-log': outputFileFlag({ description: 'append one JSON line per run start and end here (the end with the exit status)' }),
    'task-ms': durationMsFlag({ description: 'without --command: how long the task works, ms', default: 100, min: 0 }),
    ticks: countFlag({ description: 'stop after this many ticks (run, skipped or missed)' }),
    ttl: Flags.string({ description: 'leadership kept after a run, with a unit: 90s, 60m, 2h (default: the schedule\'s period, at most 24h)', exclusive: ['ttl-ms'] }),
    'ttl-ms': durationMsFlag({ description: 'leadership kept after a run, ms (as --ttl)', min: 0 }),
    'lock-at-least-for-ms': durationMsFlag({ description: 'the lock is held until at least tick + this, ms', min: 0 }),
    'lock-at-most-for-ms': durationMsFlag({ description: 'lease while the task runs (renewed every third), ms', min: 0 }),
    'misfire-grace-ms': durationMsFlag({ description: 'a tick woken up to later than this is skipped, ms', min: 0 }),
    events: Flags.boolean({ description: "also write the server's typed events to standard error as JSON lines (simrun real cron-leader reads them)", default: false, hidden: true }),
    mutant: Flags.string({ description: 'run a deliberately broken leader policy (for simrun real cron-leader --mutant)', options: Object.keys(cronMutants), hidden: true }),
  };

  async run(): Promise<CronServeResult> {
    const { flags } = await this.parse(CronServeCommand);
    return serveCron({
      name: flags.name,
      schedule: flags.schedule,
      timeZone: flags.tz,
      lock: flags.lock,
      server: flags.server,
      taskMs: flags['task-ms'] ?? 100,
      ...(flags['task-log'] === undefined ? {} : { taskLog: flags['task-log'] }),
      ...(flags.ticks === undefined ? {} : { ticks: flags.ticks }),
      ...(flags['ttl-ms'] === undefined ? {} : { ttlMs: flags['ttl-ms'] }),
      ...(flags.ttl === undefined ? {} : { ttlMs: parseTtl(flags.ttl) }),
      ...(flags.command === undefined ? {} : { command: flags.command }),
      ...(flags['lock-at-least-for-ms'] === undefined ? {} : { lockAtLeastForMs: flags['lock-at-least-for-ms'] }),
      ...(flags['lock-at-most-for-ms'] === undefined ? {} : { lockAtMostForMs: flags['lock-at-most-for-ms'] }),
      ...(flags['misfire-grace-ms'] === undefined ? {} : { misfireGraceMs: flags['misfire-grace-ms'] }),
      print: (line) => this.log(line),
      events: flags.events,
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
  }
}
