import { Args } from '@oclif/core';
import { dagStatus } from '../../../real/dag/commands.js';
import { DEFAULT_STORE, type JobStatusLine } from '../../../real/dag/pipeline-store.js';
import { SimrunCommand } from '../../base.js';
import { storeSpecFlag } from '../../flags.js';

export default class DagStatusCommand extends SimrunCommand {
  static override summary = 'Show where each job of a pipeline stands, from the run log.';
  static override examples = ['<%= config.bin %> dag status etl.yaml', '<%= config.bin %> dag status etl.yaml --store postgres://localhost/etl --json'];
  static override enableJsonFlag = true;
  static override args = { pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }) };
  static override flags = { store: storeSpecFlag({ description: 'where the run log lives: sqlite:PATH, a postgres:// URL or a mysql:// URL', default: DEFAULT_STORE }) };

  async run(): Promise<{ pipeline: string; jobs: JobStatusLine[] }> {
    const { args, flags } = await this.parse(DagStatusCommand);
    const status = await dagStatus(args.pipeline, flags.store);
    const width = Math.max(...status.jobs.map((job) => job.job.length));
    for (const job of status.jobs) {
      const last = job.timestampMs === undefined ? '' : `  last: ${job.lastStatus} at ${new Date(job.timestampMs).toISOString()}, ${job.execTimeMs} ms, amount_of_data ${job.amountOfDataBytes}`;
      this.log(`${job.job.padEnd(width)}  ${job.phase.padEnd(9)}${last}`);
    }
    return status;
  }
}
