import { Flags } from '@oclif/core';
import type { RealCampaignResult } from '../../../real/campaign/campaign.js';
import { realJobRunnerSystem, REAL_JOB_RUNNER_DEFAULTS } from '../../../real/campaign/job-runner.js';
import { runJobRunnerClient } from '../../../real/campaign/job-runner-client.js';
import { InputError } from '../../../env/errors.js';
import { JOBS_SERVE_MUTANTS } from '../../../real/job-runner/serve.js';
import { countFlag, durationMsFlag, existingDirectoryFlag, nameFlag, urlFlag } from '../../flags.js';
import { SimrunCommand } from '../../base.js';
import { realCampaignFlags, runRealCommand } from '../../real-campaign.js';

export default class RealJobRunnerCommand extends SimrunCommand {
  static override summary = "Run the real jobs server and API clients under a seeded nemesis and judge them with the simulation's job-runner checkers.";
  static override description =
    "Each run starts `simrun jobs serve` (mutual TLS, development certificates) and N API clients that start short and long shell jobs and stop the long ones, while the nemesis (drawn from the run's seed, or --plan) SIGKILLs, SIGTERMs, pauses (SIGSTOP/SIGCONT) and restarts the server and the clients. Then the server and unfinished clients come back, every client finishes, the server is stopped with SIGTERM, and the merged trace is judged by legal-transitions, stopped-queued-never-runs, concurrency-limit (per server), job-started-once, no-orphan-job-process (read from /proc: a dead server's live job processes are recorded for the next server, and none outlives the last one) and no-uncaught-errors. Stops at the first violating run. Exit codes: 0 every run passed, 1 an invariant was violated, 2 bad input, 3 harness error.";
  static override examples = ['<%= config.bin %> real job-runner --runs 5', '<%= config.bin %> real job-runner --runs 1 --mutant stop-leaves-group'];
  static override enableJsonFlag = true;
  static override flags = {
    ...realCampaignFlags,
    clients: countFlag({ description: 'API client processes', default: REAL_JOB_RUNNER_DEFAULTS.clients, max: 20 }),
    jobs: countFlag({ description: 'jobs each client starts', default: REAL_JOB_RUNNER_DEFAULTS.jobsPerClient, max: 200 }),
    concurrency: countFlag({ description: "the server's --concurrency", default: REAL_JOB_RUNNER_DEFAULTS.concurrency, max: 100 }),
    mutant: Flags.string({ description: 'run a deliberately broken server: stop-leaves-group (a stop signals only the shell, not its process group)', options: Object.keys(JOBS_SERVE_MUTANTS) }),
    // What each client process runs (the supervisor starts them): not for users.
    'as-client': nameFlag({ hidden: true }),
    server: urlFlag({ description: 'the jobs server the client calls', protocols: ['https:'], hidden: true }),
    certs: existingDirectoryFlag({ description: 'the development certificates', hidden: true }),
    'short-job-ms': durationMsFlag({ description: 'how long a short job runs, ms', hidden: true, default: REAL_JOB_RUNNER_DEFAULTS.shortJobMs }),
    'long-job-ms': durationMsFlag({ description: 'how long a long job runs, ms', hidden: true, default: REAL_JOB_RUNNER_DEFAULTS.longJobMs }),
    'stop-after-ms': durationMsFlag({ description: 'when a long job is stopped, ms after its start', hidden: true, default: REAL_JOB_RUNNER_DEFAULTS.stopAfterMs, min: 0 }),
  };

  async run(): Promise<(RealCampaignResult & { resultPath: string }) | undefined> {
    const { flags } = await this.parse(RealJobRunnerCommand);
    if (flags['as-client'] !== undefined) {
      if (flags.server === undefined || flags.certs === undefined) throw new InputError('--as-client needs --server and --certs');
      await runJobRunnerClient({
        name: flags['as-client'],
        server: flags.server,
        certsDir: flags.certs,
        jobs: flags.jobs,
        seed: flags.seed,
        shortJobMs: flags['short-job-ms'],
        longJobMs: flags['long-job-ms'],
        stopAfterMs: flags['stop-after-ms'],
      });
      return undefined;
    }
    const system = realJobRunnerSystem({
      ...REAL_JOB_RUNNER_DEFAULTS,
      clients: flags.clients,
      jobsPerClient: flags.jobs,
      concurrency: flags.concurrency,
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
    return runRealCommand(system, flags, { log: (line) => this.log(line), json: this.jsonEnabled() }, (counts) =>
      `${counts.jobs ?? 0} jobs, ${counts.executed ?? 0} executed, ${counts.completed ?? 0} completed, ${counts.stopped ?? 0} stopped, ${counts.orphansKilled ?? 0} orphan groups killed at restart, ${counts.outlived ?? 0} processes outlived`,
    );
  }
}
