import { Args } from '@oclif/core';
import { queueDagCommand } from '../../../real/dag/commands.js';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
import { SimrunCommand } from '../../base.js';
import { storeSpecFlag } from '../../flags.js';

export default class DagStopCommand extends SimrunCommand {
  static override summary = 'Stop one job, or every job: a running one is killed, a waiting one will not start.';
  static override description = 'Queues the command in the store: a running `simrun dag run` takes it within its poll interval; otherwise the next `dag run` does.';
  static override examples = ['<%= config.bin %> dag stop etl.yaml load'];
  static override enableJsonFlag = true;
  static override args = {
    pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }),
    job: Args.string({ description: 'the job (every job when absent)', required: false }),
  };
  static override flags = { store: storeSpecFlag({ description: 'where the run log lives: sqlite:PATH, a postgres:// URL or a mysql:// URL', default: DEFAULT_STORE }) };

  async run(): Promise<{ pipeline: string; action: 'stop'; job: string | null }> {
    const { args, flags } = await this.parse(DagStopCommand);
    const queued = await queueDagCommand(args.pipeline, flags.store, 'stop', args.job);
    this.log(`queued: stop ${queued.job ?? 'every job'} of ${queued.pipeline} (${queued.store})`);
    return { pipeline: queued.pipeline, action: 'stop', job: queued.job };
  }
}
