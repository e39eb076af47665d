import { Args, Flags } from '@oclif/core';
import { access, readFile } from 'node:fs/promises';
import { judgeClientOutput } from '../../../check/client-jobs/output-format.js';
import { InputError } from '../../../env/errors.js';
import { journalPath, TEXT_LINE } from '../../../systems/client-jobs/index.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';

export interface JobsVerifyResult {
  readonly path: string;
  readonly wellFormed: boolean;
  readonly wholeTexts: number;
  readonly problem?: string;
  /** A crashed job's journal is still next to the output: its partial text awaits rollback. */
  readonly pendingRecovery: boolean;
}

export default class JobsVerifyCommand extends SimrunCommand {
  static override summary = "Check a client's output file as the original test script does: whole texts, two newlines apart, none partial.";
  static override description = `Passes (exit 0) when the file is whole texts "${TEXT_LINE}", each followed by a blank line, and nothing else; exit 1 when it is malformed (interleaved or partial text) or holds fewer than --expected-min texts; exit 2 when it cannot be read.`;
  static override examples = ['<%= config.bin %> jobs verify output.txt', '<%= config.bin %> jobs verify output.txt --expected-min 1'];
  static override enableJsonFlag = true;
  static override args = { file: Args.string({ description: 'the output file', required: true }) };
  static override flags = {
    'expected-min': Flags.string({ description: 'fail unless at least this many whole texts are there', default: '0' }),
  };

  async run(): Promise<JobsVerifyResult> {
    const { args, flags } = await this.parse(JobsVerifyCommand);
    const expectedMin = Number(flags['expected-min']);
    if (!/^\s*\d+\s*$/.test(flags['expected-min']) || !Number.isSafeInteger(expectedMin)) throw new InputError(`--expected-min must be a non-negative integer, got '${flags['expected-min']}'`);
    let content: string;
    try {
      content = await readFile(args.file, 'utf8');
    } catch (error) {
      throw new InputError(`cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const pendingRecovery = await access(journalPath(args.file)).then(() => true, () => false);
    const verdict = judgeClientOutput(content);
    const enough = verdict.wholeTexts >= expectedMin;
    if (verdict.status === 'malformed') this.log(`${args.file}: MALFORMED after ${plural(verdict.wholeTexts, 'whole text')}: ${verdict.problem}`);
    else if (!enough) this.log(`${args.file}: ${plural(verdict.wholeTexts, 'whole text')}, fewer than the ${expectedMin} expected`);
    else this.log(`${args.file}: OK, ${plural(verdict.wholeTexts, 'whole text')} separated by two newlines`);
    if (pendingRecovery) this.log(`note: ${journalPath(args.file)} exists: a crashed job's partial text is rolled back by the client's next job`);
    process.exitCode = verdict.status === 'well-formed' && enough ? EXIT.passed : EXIT.violated;
    return { path: args.file, wellFormed: verdict.status === 'well-formed', wholeTexts: verdict.wholeTexts, ...(verdict.status === 'malformed' ? { problem: verdict.problem } : {}), pendingRecovery };
  }
}
