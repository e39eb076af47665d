import { Flags } from '@oclif/core';
import type { RealCampaignResult } from '../../../real/campaign/campaign.js';
import { realDagSystem, REAL_DAG_DEFAULTS } from '../../../real/campaign/dag.js';
import { DAG_MUTANTS } from '../../../systems/dag/mutants.js';
import { SimrunCommand } from '../../base.js';
import { countFlag, storeSpecFlag } from '../../flags.js';
import { realCampaignFlags, runRealCommand } from '../../real-campaign.js';

export default class RealDagCommand extends SimrunCommand {
  static override summary = "Run real DAG runners racing for one pipeline under a seeded nemesis and judge them with the simulation's DAG checkers.";
  static override description =
    "Each run starts N `simrun dag run --follow --wait` processes on one pipeline and one store (one holds the runner lease, the others wait for it) and an operator queueing `simrun dag restart` of a job that fails once, while the nemesis (drawn from the run's seed, or --plan) SIGKILLs, SIGTERMs, pauses (SIGSTOP/SIGCONT) and restarts runners. The supervisor watches the jobs' process groups in /proc. Then every runner comes back, the pipeline completes, the runners are stopped with SIGTERM, and the merged trace is judged by upstream-succeeded-first, nothing-downstream-of-failure, one-execution-per-job, stop-ends-jobs, pipeline-completes, no-orphan-job-process and no-uncaught-errors. Stops at the first violating run. Exit codes: 0 every run passed, 1 an invariant was violated, 2 bad input, 3 harness error.";
  static override examples = ['<%= config.bin %> real dag --runs 5', '<%= config.bin %> real dag --runs 3 --store postgres://localhost/simrun', '<%= config.bin %> real dag --runs 1 --mutant no-runner-lease'];
  static override enableJsonFlag = true;
  static override flags = {
    ...realCampaignFlags,
    runners: countFlag({ description: '`dag run` processes racing for the pipeline', default: REAL_DAG_DEFAULTS.runners, max: 10 }),
    store: storeSpecFlag({ description: "the runners' store: sqlite:PATH or a postgres:// URL (default: a fresh SQLite file in each run's directory)", mysql: false }),
    mutant: Flags.string({ description: 'run a deliberately broken runner from the DAG catalogue (see `simrun mutants`), e.g. no-runner-lease, rerun-orphans, stop-leaves-jobs', options: Object.keys(DAG_MUTANTS) }),
  };

  async run(): Promise<RealCampaignResult & { resultPath: string }> {
    const { flags } = await this.parse(RealDagCommand);
    const system = await realDagSystem({
      ...REAL_DAG_DEFAULTS,
      runners: flags.runners,
      ...(flags.store === undefined ? {} : { store: flags.store }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
    return runRealCommand(system, flags, { log: (line) => this.log(line), json: this.jsonEnabled() }, (counts) =>
      `${counts.succeeded ?? 0} of ${counts.jobs ?? 0} jobs succeeded, ${counts.attempts ?? 0} attempts, ${counts.interrupted ?? 0} interrupted, ${counts.orphansEnded ?? 0} orphan groups ended, ${counts.outlived ?? 0} processes outlived`,
    );
  }
}
