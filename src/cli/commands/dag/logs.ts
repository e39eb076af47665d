import { Args } from '@oclif/core';
import { dagLogs } from '../../../real/dag/commands.js';
import { DEFAULT_STORE } from '../../../real/dag/pipeline-store.js';
import type { AttemptOutput } from '../../../systems/dag/run-log.js';
import { SimrunCommand } from '../../base.js';
import { countFlag, storeSpecFlag } from '../../flags.js';

export default class DagLogsCommand extends SimrunCommand {
  static override summary = 'Show the saved output of a job’s attempts (stdout and stderr as they came).';
  static override description =
    'Each attempt’s output is saved in the store when the attempt ends (the first MiB of it). Shows every attempt of the newest run, each under a header line, or one with --attempt; --run picks an older run. Exits 2 when there is no such output.';
  static override examples = ['<%= config.bin %> dag logs etl.yaml load', '<%= config.bin %> dag logs etl.yaml load --attempt 2'];
  static override enableJsonFlag = true;
  static override args = {
    pipeline: Args.string({ description: 'the pipeline file (YAML)', required: true }),
    job: Args.string({ description: 'the job', required: true }),
  };
  static override flags = {
    store: storeSpecFlag({ description: 'where the run log lives: sqlite:PATH, a postgres:// URL or a mysql:// URL', default: DEFAULT_STORE }),
    attempt: countFlag({ description: 'only this attempt (1 is the first)' }),
    run: countFlag({ description: 'the run (default: the newest with output)', max: Number.MAX_SAFE_INTEGER }),
  };

  async run(): Promise<{ pipeline: string; run: number; outputs: AttemptOutput[] }> {
    const { args, flags } = await this.parse(DagLogsCommand);
    const logs = await dagLogs(args.pipeline, flags.store, args.job, {
      ...(flags.attempt === undefined ? {} : { attempt: flags.attempt }),
      ...(flags.run === undefined ? {} : { run: flags.run }),
    });
    for (const output of logs.outputs) {
      this.log(`== ${logs.pipeline}/${args.job} run ${output.run} attempt ${output.attempt}${output.truncated ? ' (truncated: only the first MiB was saved)' : ''} ==`);
      const text = output.output.replace(/\n$/, '');
      if (text !== '') this.log(text);
    }
    return logs;
  }
}
