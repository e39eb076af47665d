import { Args, Flags } from '@oclif/core';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
import { DEFAULT_STOP_TIMEOUT_MS, runPipeline } from '../../../real/dag/run.js';
import { DagLeaseLostError, type JobView } from '../../../systems/dag/dag-runner.js';
import { DAG_MUTANTS, type DagMutant } from '../../../systems/dag/mutants.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';
import { LONGEST_DURATION_MS } from '../../flags.js';

export default class DagRunCommand extends SimrunCommand {
  static override summary = 'Run a DAG pipeline from a YAML file, for real, picking up where the run log left it.';
  static override description =
    'Jobs run in parallel whenever their dependencies allow. The run log lives in the store (SQLite by default), so a second `dag run` carries on from the first: done jobs stay done, interrupted ones run again. One runner per pipeline and store: a second `dag run` of a running pipeline refuses (exit 2) unless --wait. SIGTERM or SIGINT stops the runner: its running jobs (their whole process groups) are ended and recorded as interrupted, to run again next time, and it exits 0 within --stop-timeout-ms. Exits 0 when every job succeeded (or the runner was stopped), 1 when some job failed, is blocked or was stopped, 2 for a bad pipeline file or a pipeline another runner holds.';
  static override examples = ['<%= config.bin %> dag run etl.yaml', '<%= config.bin %> dag run etl.yaml --store postgres://localhost/etl --webhook https://hooks.example.com/etl', '<%= config.bin %> dag run etl.yaml --follow'];
  static override enableJsonFlag = true;
  static override args = { pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }) };
  static override flags = {
    store: Flags.string({ description: 'where the run log lives: sqlite:PATH or a postgres:// URL', default: DEFAULT_STORE }),
    webhook: Flags.string({ description: 'also POST every notification as JSON to this URL' }),
    follow: Flags.boolean({ description: 'keep running and taking commands (dag restart/stop/start) after the pipeline has settled', default: false }),
    'poll-ms': Flags.integer({ description: 'how often commands are taken from the store, ms', default: 1_000, min: 10, max: LONGEST_DURATION_MS }),
    verbose: Flags.boolean({ description: 'print the runner’s structured log (JSON lines) on stderr', default: false }),
    'stop-timeout-ms': Flags.integer({ description: 'on SIGTERM/SIGINT, how long to wait for the running jobs to end before exiting, ms (SIGKILL to their process groups at half of it)', default: DEFAULT_STOP_TIMEOUT_MS, min: 1, max: LONGEST_DURATION_MS }),
    wait: Flags.boolean({ description: 'if another runner is running this pipeline on this store, wait for it to finish instead of refusing', default: false }),
    // For `simrun real dag --mutant`: a deliberately broken runner the real checkers must catch.
    mutant: Flags.option({ description: 'run a deliberately broken runner', options: Object.keys(DAG_MUTANTS) as DagMutant[], hidden: true })(),
  };

  async run(): Promise<{ pipeline: string; jobs: JobView[]; stopped: boolean }> {
    const { args, flags } = await this.parse(DagRunCommand);
    let run;
    try {
      run = await runPipeline({
        pipeline: args.pipeline,
        store: flags.store,
        ...(flags.webhook === undefined ? {} : { webhook: flags.webhook }),
        follow: flags.follow,
        pollMs: flags['poll-ms'],
        verbose: flags.verbose,
        print: (line) => this.log(line),
        stopTimeoutMs: flags['stop-timeout-ms'],
        wait: flags.wait,
        ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
      });
    } catch (error) {
      if (!(error instanceof DagLeaseLostError)) throw error;
      this.logToStderr(`simrun: ${error.message}`);
      process.exitCode = EXIT.violated;
      return { pipeline: args.pipeline, jobs: [], stopped: false };
    }
    const width = Math.max(0, ...run.jobs.map((job) => job.name.length));
    this.log(`pipeline ${run.pipeline} (${run.store})${run.stopped ? ', stopped' : ''}:`);
    for (const job of run.jobs) this.log(`  ${job.name.padEnd(width)}  ${job.phase}${job.attempt > 1 ? ` after ${plural(job.attempt, 'attempt')}` : ''}`);
    process.exitCode = run.stopped || run.jobs.every((job) => job.phase === 'succeeded') ? EXIT.passed : EXIT.violated;
    return { pipeline: run.pipeline, jobs: run.jobs, stopped: run.stopped };
  }
}
