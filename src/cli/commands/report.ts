import { Args } from '@oclif/core';
import { loadResultFile } from '../../report/load.js';
import { defaultReportPath, writeReport } from '../../report/report-file.js';
import { SimrunCommand } from '../base.js';
import { outputFileFlag } from '../flags.js';

export default class ReportCommand extends SimrunCommand {
  static override summary = 'Render a run or campaign result (JSON) as one self-contained HTML file.';
  static override description =
    'Reads a result written by `simrun scenario` (format simrun.run/1) or `simrun fuzz` (simrun.campaign/1) and writes an HTML report that opens from disk with no network access. Exit codes: 0 written, 2 the input is missing, not JSON or of an unknown format.';
  static override examples = ['<%= config.bin %> report reports/bucket-42.json', '<%= config.bin %> report reports/fuzz/bucket-from-1.json --out campaign.html'];
  static override enableJsonFlag = true;
  static override args = {
    result: Args.string({ description: 'a JSON result file', required: true }),
  };
  static override flags = {
    out: outputFileFlag({ description: 'where to write the HTML (default: the result path with .html)' }),
  };

  async run(): Promise<{ kind: 'run' | 'campaign'; reportPath: string }> {
    const { args, flags } = await this.parse(ReportCommand);
    const loaded = await loadResultFile(args.result);
    const reportPath = await writeReport(loaded, flags.out ?? defaultReportPath(args.result));
    this.log(`report: ${reportPath}`);
    return { kind: loaded.kind, reportPath };
  }
}
