import { Args } from '@oclif/core';
import { queueDagCommand } from '../../../real/dag/commands.js';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
import { SimrunCommand } from '../../base.js';
import { storeSpecFlag } from '../../flags.js';

export default class DagStartCommand extends SimrunCommand {
  static override summary = 'Start one job, or every job, that failed or was stopped.';
  static override description = 'Queues the command in the store: a running `simrun dag run` takes it within its poll interval; otherwise the next `dag run` does.';
  static override examples = ['<%= config.bin %> dag start etl.yaml load'];
  static override enableJsonFlag = true;
  static override args = {
    pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }),
    job: Args.string({ description: 'the job (every job when absent)', required: false }),
  };
  static override flags = { store: storeSpecFlag({ description: 'where the run log lives: sqlite:PATH, a postgres:// URL or a mysql:// URL', default: DEFAULT_STORE }) };

  async run(): Promise<{ pipeline: string; action: 'start'; job: string | null }> {
    const { args, flags } = await this.parse(DagStartCommand);
    const queued = await queueDagCommand(args.pipeline, flags.store, 'start', args.job);
    this.log(`queued: start ${queued.job ?? 'every job'} of ${queued.pipeline} (${queued.store})`);
    return { pipeline: queued.pipeline, action: 'start', job: queued.job };
  }
}
