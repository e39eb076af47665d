import { Flags } from '@oclif/core';
import type { RealCampaignResult } from '../../../real/campaign/campaign.js';
import { realCronSystem, REAL_CRON_DEFAULTS } from '../../../real/campaign/cron-leader.js';
import { SimrunCommand } from '../../base.js';
import { realCampaignFlags, runRealCommand } from '../../real-campaign.js';
import { countFlag, lockSpecFlag } from '../../flags.js';
import { cronMutants } from '../../../systems/cron/index.js';

export default class RealCronLeaderCommand extends SimrunCommand {
  static override summary = "Run real cron servers under a seeded nemesis and judge them with the simulation's cron checkers.";
  static override description =
    'Each run starts N `simrun cron serve` processes running one task (a shell command) every second under one shared lock, while the nemesis (drawn from the run\'s seed, or --plan) SIGKILLs, SIGTERMs, pauses (SIGSTOP/SIGCONT) and restarts servers. Then every server comes back, a few more ticks pass, the servers are stopped with SIGTERM, and the merged trace is judged by tick-at-most-once, runs-never-overlap, tick-at-least-once, command-by-leader and no-uncaught-errors. Stops at the first violating run. Exit codes: 0 every run passed, 1 an invariant was violated, 2 bad input, 3 harness error.';
  static override examples = [
    '<%= config.bin %> real cron-leader --runs 5 --lock sqlite:/tmp/cron.db',
    '<%= config.bin %> real cron-leader --runs 3 --mutant lock-without-expiry',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...realCampaignFlags,
    lock: lockSpecFlag({ description: "the servers' shared lock: sqlite:PATH, file:DIR or postgres://... (default: a fresh SQLite file in each run's directory)" }),
    servers: countFlag({ description: 'cron server processes', default: 3, max: 64 }),
    period: countFlag({ description: "the schedule's period in seconds", default: REAL_CRON_DEFAULTS.periodS, max: 30 }),
    mutant: Flags.string({ description: 'run a deliberately broken leader policy (see `simrun mutants`: the cron catalogue)', options: Object.keys(cronMutants) }),
  };

  async run(): Promise<RealCampaignResult & { resultPath: string }> {
    const { flags } = await this.parse(RealCronLeaderCommand);
    const system = await realCronSystem({
      ...REAL_CRON_DEFAULTS,
      servers: flags.servers,
      periodS: flags.period,
      ...(flags.lock === undefined ? {} : { lock: flags.lock }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
    return runRealCommand(system, flags, { log: (line) => this.log(line), json: this.jsonEnabled() }, (counts) =>
      `${counts.ticks ?? 0} ticks, ${counts.ticksRun ?? 0} run, ${counts.runs ?? 0} runs in all`,
    );
  }
}
