import { Args, Flags } from '@oclif/core';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
import { DEFAULT_STOP_TIMEOUT_MS, describeInstant, runOnSchedule, runPipeline, type PipelineRun } from '../../../real/dag/run.js';
import { DagLeaseLostError, type JobView } from '../../../systems/dag/dag-runner.js';
import { DAG_MUTANTS, DAG_SCHEDULE_MUTANTS, type DagMutant } from '../../../systems/dag/mutants.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';
import { LONGEST_DURATION_MS, emailFlag, storeSpecFlag, urlFlag } from '../../flags.js';

export default class DagRunCommand extends SimrunCommand {
  static override summary = 'Run a DAG pipeline from a YAML file, for real, picking up where the run log left it.';
  static override description =
    'Jobs run in parallel whenever their dependencies allow. The run log lives in the store (SQLite by default), so a second `dag run` carries on from the first: done jobs stay done, interrupted ones run again. One runner per pipeline and store: a second `dag run` of a running pipeline refuses (exit 2) unless --wait. SIGTERM or SIGINT stops the runner: its running jobs (their whole process groups) are ended and recorded as interrupted, to run again next time, and it exits 0 within --stop-timeout-ms. Exits 0 when every job succeeded (or the runner was stopped), 1 when some job failed, is blocked or was stopped, 2 for a bad pipeline file or a pipeline another runner holds. A pipeline whose every job already succeeded in its current run has nothing to run: it says so in one line and exits 0; --new-run starts its next run (a new run id). Every success and failure is notified on the console, and by webhook and email when asked; a channel that fails says so on the console. --schedule starts a new run at each tick of the pipeline’s schedule: (cron, UTC) until SIGTERM or SIGINT.';
  static override examples = ['<%= config.bin %> dag run etl.yaml', '<%= config.bin %> dag run etl.yaml --store postgres://localhost/etl --webhook https://hooks.example.com/etl', '<%= config.bin %> dag run etl.yaml --follow', '<%= config.bin %> dag run etl.yaml --new-run --email-to ops@example.com --smtp smtp://mail.example.com:587', '<%= config.bin %> dag run etl.yaml --schedule'];
  static override enableJsonFlag = true;
  static override args = { pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }) };
  static override flags = {
    store: storeSpecFlag({ description: 'where the run log lives: sqlite:PATH, a postgres:// URL or a mysql:// URL', default: DEFAULT_STORE }),
    webhook: urlFlag({ description: 'also POST every notification as JSON to this URL (http:// or https://)', protocols: ['http:', 'https:'] }),
    follow: Flags.boolean({ description: 'keep running and taking commands (dag restart/stop/start) after the pipeline has settled', default: false }),
    'poll-ms': Flags.integer({ description: 'how often commands are taken from the store, ms', default: 1_000, min: 10, max: LONGEST_DURATION_MS }),
    verbose: Flags.boolean({ description: 'print the runner’s structured log (JSON lines) on stderr', default: false }),
    'stop-timeout-ms': Flags.integer({ description: 'on SIGTERM/SIGINT, how long to wait for the running jobs to end before exiting, ms (SIGKILL to their process groups at half of it)', default: DEFAULT_STOP_TIMEOUT_MS, min: 1, max: LONGEST_DURATION_MS }),
    wait: Flags.boolean({ description: 'if another runner is running this pipeline on this store, wait for it to finish instead of refusing', default: false }),
    // For `simrun real dag --mutant`: a deliberately broken runner the real checkers must catch.
    mutant: Flags.option({ description: 'run a deliberately broken runner', options: [...Object.keys(DAG_MUTANTS), ...Object.keys(DAG_SCHEDULE_MUTANTS)] as DagMutant[], hidden: true })(),
    'new-run': Flags.boolean({ description: 'start the pipeline over as its next run (a new run id), even when its last run succeeded', default: false }),
    'email-to': emailFlag({ description: 'also email every notification to this address (repeat for more)', multiple: true }),
    smtp: urlFlag({ description: 'the SMTP server for --email-to: smtp://[user:pass@]host[:port] or smtps://…', protocols: ['smtp:', 'smtps:'], default: 'smtp://localhost:25' }),
    'email-from': emailFlag({ description: 'the sender of the notification emails', default: 'simrun@localhost' }),
    schedule: Flags.boolean({ description: 'keep running: start a new run at each tick of the pipeline’s schedule: (cron, UTC) until SIGTERM or SIGINT', default: false }),
  };

  async run(): Promise<{ pipeline: string; jobs: JobView[]; stopped: boolean }> {
    const { args, flags } = await this.parse(DagRunCommand);
    const options = {
      pipeline: args.pipeline,
      store: flags.store,
      ...(flags.webhook === undefined ? {} : { webhook: flags.webhook }),
      follow: flags.follow,
      pollMs: flags['poll-ms'],
      verbose: flags.verbose,
      print: (line: string) => this.log(line),
      stopTimeoutMs: flags['stop-timeout-ms'],
      wait: flags.wait,
      newRun: flags['new-run'],
      ...(flags['email-to'] === undefined ? {} : { emailTo: flags['email-to'], smtpUrl: flags.smtp, emailFrom: flags['email-from'] }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    };
    if (flags.schedule) {
      const runs = await runOnSchedule({ ...options, onWait: (atMs) => this.log(`next run of ${args.pipeline} at ${describeInstant(atMs)}`), onRun: (run) => this.summarise(run) });
      process.exitCode = EXIT.passed;
      const last = runs.at(-1);
      return { pipeline: last?.pipeline ?? args.pipeline, jobs: last?.jobs ?? [], stopped: true };
    }
    let run;
    try {
      run = await runPipeline(options);
    } catch (error) {
      if (!(error instanceof DagLeaseLostError)) throw error;
      this.logToStderr(`simrun: ${error.message}`);
      process.exitCode = EXIT.violated;
      return { pipeline: args.pipeline, jobs: [], stopped: false };
    }
    this.summarise(run);
    process.exitCode = run.stopped || run.jobs.every((job) => job.phase === 'succeeded') ? EXIT.passed : EXIT.violated;
    return { pipeline: run.pipeline, jobs: run.jobs, stopped: run.stopped };
  }

  private summarise(run: PipelineRun): void {
    if (run.nothingToRun) {
      this.log(`nothing to run: every job of ${run.pipeline} already succeeded in run ${run.run} (${run.store}); --new-run starts run ${run.run + 1}, dag restart JOB --force runs one job and what follows it again`);
      return;
    }
    const width = Math.max(0, ...run.jobs.map((job) => job.name.length));
    this.log(`pipeline ${run.pipeline} (${run.store}, run ${run.run})${run.stopped ? ', stopped' : ''}:`);
    for (const job of run.jobs) this.log(`  ${job.name.padEnd(width)}  ${job.phase}${job.attempt > 1 ? ` after ${plural(job.attempt, 'attempt')}` : ''}`);
  }
}
