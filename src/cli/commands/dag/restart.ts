import { Args, Flags } from '@oclif/core';
import { DEFAULT_STORE, openStore, readPipeline, requireJob } from '../../../real/dag-cli.js';
import { SimrunCommand } from '../../base.js';

export default class DagRestartCommand extends SimrunCommand {
  static override summary = 'Restart a failed job: it gets its retries back, and once it succeeds the jobs it blocked run by themselves.';
  static override description = 'Queues the command in the store: a running `simrun dag run` takes it within its poll interval; otherwise the next `dag run` does.';
  static override examples = ['<%= config.bin %> dag restart etl.yaml load'];
  static override enableJsonFlag = true;
  static override args = {
    pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }),
    job: Args.string({ description: 'the job', required: true }),
  };
  static override flags = { store: Flags.string({ description: 'where the run log lives: sqlite:PATH or a postgres:// URL', default: DEFAULT_STORE }) };

  async run(): Promise<{ pipeline: string; action: 'restart'; job: string | null }> {
    const { args, flags } = await this.parse(DagRestartCommand);
    const pipeline = await readPipeline(args.pipeline);
    if (args.job !== undefined) requireJob(pipeline, args.job);
    const store = await openStore(flags.store);
    try {
      await store.enqueue({ pipeline: pipeline.name, action: 'restart', jobKey: args.job ?? null });
    } finally {
      await store.close();
    }
    this.log(`queued: restart ${args.job ?? 'every job'} of ${pipeline.name} (${store.description})`);
    return { pipeline: pipeline.name, action: 'restart', job: args.job ?? null };
  }
}
