import { Args, Flags } from '@oclif/core';
import { queueRestart } from '../../../real/dag/commands.js';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
import { SimrunCommand } from '../../base.js';
import { storeSpecFlag } from '../../flags.js';

export default class DagRestartCommand extends SimrunCommand {
  static override summary = 'Restart a failed job: it gets its retries back, and once it succeeds the jobs it blocked run by themselves.';
  static override description =
    'Queues the command in the store: a running `simrun dag run` takes it within its poll interval; otherwise the next `dag run` does. With --force, a job that succeeded runs again, and so does every job downstream of it. When there is nothing to restart (the job succeeded and --force is not given, or it has not finished: waiting, blocked or running), says why in one line and exits 2.';
  static override examples = ['<%= config.bin %> dag restart etl.yaml load', '<%= config.bin %> dag restart etl.yaml extract --force'];
  static override enableJsonFlag = true;
  static override args = {
    pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }),
    job: Args.string({ description: 'the job', required: true }),
  };
  static override flags = {
    store: storeSpecFlag({ description: 'where the run log lives: sqlite:PATH, a postgres:// URL or a mysql:// URL', default: DEFAULT_STORE }),
    force: Flags.boolean({ description: 'run the job again even though it succeeded, and every job downstream of it', default: false }),
  };

  async run(): Promise<{ pipeline: string; action: 'restart' | 'rerun'; job: string | null }> {
    const { args, flags } = await this.parse(DagRestartCommand);
    const queued = await queueRestart(args.pipeline, flags.store, args.job, flags.force);
    const what = queued.action === 'rerun' ? `rerun ${args.job} and every job after it` : `restart ${args.job}`;
    this.log(`queued: ${what} of ${queued.pipeline} (${queued.store})`);
    return { pipeline: queued.pipeline, action: queued.action === 'rerun' ? 'rerun' : 'restart', job: queued.job };
  }
}
