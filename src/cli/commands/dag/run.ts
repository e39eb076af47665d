import { Args, Flags } from '@oclif/core';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
import { runPipeline } from '../../../real/dag/run.js';
import type { JobView } from '../../../systems/dag/dag-runner.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';

export default class DagRunCommand extends SimrunCommand {
  static override summary = 'Run a DAG pipeline from a YAML file, for real, picking up where the run log left it.';
  static override description =
    'Jobs run in parallel whenever their dependencies allow. The run log lives in the store (SQLite by default), so a second `dag run` carries on from the first: done jobs stay done, interrupted ones run again. Exits 0 when every job succeeded, 1 when some job failed, is blocked or was stopped, 2 for a bad pipeline file.';
  static override examples = ['<%= config.bin %> dag run etl.yaml', '<%= config.bin %> dag run etl.yaml --store postgres://localhost/etl --webhook https://hooks.example.com/etl', '<%= config.bin %> dag run etl.yaml --follow'];
  static override enableJsonFlag = true;
  static override args = { pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }) };
  static override flags = {
    store: Flags.string({ description: 'where the run log lives: sqlite:PATH or a postgres:// URL', default: DEFAULT_STORE }),
    webhook: Flags.string({ description: 'also POST every notification as JSON to this URL' }),
    follow: Flags.boolean({ description: 'keep running and taking commands (dag restart/stop/start) after the pipeline has settled', default: false }),
    'poll-ms': Flags.integer({ description: 'how often commands are taken from the store, ms', default: 1_000, min: 10 }),
    verbose: Flags.boolean({ description: 'print the runner’s structured log (JSON lines) on stderr', default: false }),
  };

  async run(): Promise<{ pipeline: string; jobs: JobView[] }> {
    const { args, flags } = await this.parse(DagRunCommand);
    const run = await runPipeline({
      pipeline: args.pipeline,
      store: flags.store,
      ...(flags.webhook === undefined ? {} : { webhook: flags.webhook }),
      follow: flags.follow,
      pollMs: flags['poll-ms'],
      verbose: flags.verbose,
      print: (line) => this.log(line),
    });
    const width = Math.max(...run.jobs.map((job) => job.name.length));
    this.log(`pipeline ${run.pipeline} (${run.store}):`);
    for (const job of run.jobs) this.log(`  ${job.name.padEnd(width)}  ${job.phase}${job.attempt > 1 ? ` after ${plural(job.attempt, 'attempt')}` : ''}`);
    process.exitCode = run.jobs.every((job) => job.phase === 'succeeded') ? EXIT.passed : EXIT.violated;
    return { pipeline: run.pipeline, jobs: run.jobs };
  }
}
