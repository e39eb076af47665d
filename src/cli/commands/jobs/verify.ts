import { Args } from '@oclif/core';
import { verifyClientOutput, type ClientOutputVerdict } from '../../../real/client-jobs/verify.js';
import { TEXT_LINE } from '../../../systems/client-jobs/index.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';
import { countFlag } from '../../flags.js';

export default class JobsVerifyCommand extends SimrunCommand {
  static override summary = "Check a client's output file as the original test script does: whole texts, two newlines apart, none partial.";
  static override description = `Passes (exit 0) when the file is whole texts "${TEXT_LINE}", each followed by a blank line, and nothing else; exit 1 when it is malformed (interleaved or partial text) or holds fewer than --expected-min texts; exit 2 when it cannot be read.`;
  static override examples = ['<%= config.bin %> jobs verify output.txt', '<%= config.bin %> jobs verify output.txt --expected-min 1'];
  static override enableJsonFlag = true;
  static override args = { file: Args.string({ description: 'the output file', required: true }) };
  static override flags = {
    'expected-min': countFlag({ description: 'fail unless at least this many whole texts are there', default: 0, min: 0 }),
  };

  async run(): Promise<ClientOutputVerdict> {
    const { args, flags } = await this.parse(JobsVerifyCommand);
    const expectedMin = flags['expected-min'];
    const verdict = await verifyClientOutput(args.file);
    const enough = verdict.wholeTexts >= expectedMin;
    if (!verdict.wellFormed) this.log(`${args.file}: MALFORMED after ${plural(verdict.wholeTexts, 'whole text')}: ${verdict.problem}`);
    else if (!enough) this.log(`${args.file}: ${plural(verdict.wholeTexts, 'whole text')}, fewer than the ${expectedMin} expected`);
    else this.log(`${args.file}: OK, ${plural(verdict.wholeTexts, 'whole text')} separated by two newlines`);
    if (verdict.pendingRecovery) this.log(`note: ${verdict.journal} exists: a crashed job's partial text is rolled back by the client's next job`);
    process.exitCode = verdict.wellFormed && enough ? EXIT.passed : EXIT.violated;
    return verdict;
  }
}
