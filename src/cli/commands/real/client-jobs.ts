import { Flags } from '@oclif/core';
import type { RealCampaignResult } from '../../../real/campaign/campaign.js';
import { realClientJobsSystem, REAL_CLIENT_JOBS_DEFAULTS } from '../../../real/campaign/client-jobs.js';
import { clientJobsMutants } from '../../../systems/client-jobs/index.js';
import { countFlag, durationMsFlag, lockSpecFlag, probabilityFlag } from '../../flags.js';
import { SimrunCommand } from '../../base.js';
import { realCampaignFlags, runRealCommand } from '../../real-campaign.js';

export default class RealClientJobsCommand extends SimrunCommand {
  static override summary = "Run real per-client job processes under a seeded nemesis and judge them with the simulation's client-jobs checkers.";
  static override description =
    "Each run starts every job of --clients clients as its own `simrun jobs client --job N` process, all at once, waiting their turns in their client's line in one lock store (--lock) and appending the client's text part by part (some crash part-way, as --crash-rate says), while the nemesis (drawn from the run's seed, or --plan) SIGKILLs, SIGTERMs, pauses (SIGSTOP/SIGCONT, shorter than a third of the lease) and restarts job processes. Jobs left dead are run again; once all have ended a half-written text is rolled back, and the merged trace and outputs are judged by output-whole-texts, every-job-reported, one-job-per-client, first-queued-first-run, clients-in-parallel and no-uncaught-errors. Stops at the first violating run. Exit codes: 0 every run passed, 1 an invariant was violated, 2 bad input, 3 harness error.";
  static override examples = [
    '<%= config.bin %> real client-jobs --runs 3',
    '<%= config.bin %> real client-jobs --runs 2 --lock file:/tmp/client-locks',
    '<%= config.bin %> real client-jobs --mutant no-lock',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...realCampaignFlags,
    lock: lockSpecFlag({ description: "the jobs' shared lock store: sqlite:PATH, file:DIR or postgres://... (default: a fresh SQLite file in each run's directory)" }),
    clients: countFlag({ description: 'clients, each with its own output file and waiting line', default: 2, max: 6 }),
    jobs: countFlag({ description: 'jobs per client, all started at once', default: 3, max: 100 }),
    'crash-rate': probabilityFlag({ description: 'probability in [0, 1] that a job crashes part-way (and cleans up)', default: REAL_CLIENT_JOBS_DEFAULTS.crashRate }),
    'part-work-ms': durationMsFlag({ description: 'work between two parts of a text, ms', default: REAL_CLIENT_JOBS_DEFAULTS.partWorkMs, min: 0 }),
    mutant: Flags.string({ description: 'run a deliberately broken job design (see `simrun mutants`: the client-jobs catalogue)', options: Object.keys(clientJobsMutants) }),
  };

  async run(): Promise<RealCampaignResult & { resultPath: string }> {
    const { flags } = await this.parse(RealClientJobsCommand);
    const system = await realClientJobsSystem({
      ...REAL_CLIENT_JOBS_DEFAULTS,
      clients: flags.clients,
      jobs: flags.jobs,
      crashRate: flags['crash-rate'],
      partWorkMs: flags['part-work-ms'],
      ...(flags.lock === undefined ? {} : { lock: flags.lock }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
    return runRealCommand(system, flags, { log: (line) => this.log(line), json: this.jsonEnabled() }, (counts) =>
      `${counts.jobs ?? 0} jobs, ${counts.attempts ?? 0} attempts: ${counts.succeeded ?? 0} succeeded, ${counts.failed ?? 0} failed, ${counts.killed ?? 0} killed`,
    );
  }
}
