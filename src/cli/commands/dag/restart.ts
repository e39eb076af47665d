import { Args, Flags } from '@oclif/core';
import { queueDagCommand } from '../../../real/dag/commands.js';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
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
    const queued = await queueDagCommand(args.pipeline, flags.store, 'restart', args.job);
    this.log(`queued: restart ${queued.job ?? 'every job'} of ${queued.pipeline} (${queued.store})`);
    return { pipeline: queued.pipeline, action: 'restart', job: queued.job };
  }
}
