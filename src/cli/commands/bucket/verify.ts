import type { BucketVerdict } from '../../../check/bucket/verify-directory.js';
import { verifyBucket } from '../../../real/bucket/verify.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';
import { existingDirectoryFlag, inputFileFlag } from '../../flags.js';

export default class BucketVerifyCommand extends SimrunCommand {
  static override summary = 'Check a bucket directory after a real run: every file committed exactly once, every statistics line right.';
  static override description =
    "Reads DIR (inputs, DIR/output, DIR/processed, DIR/rejected) and, with --logs, each worker's captured output (stdout and stderr in one file). Exit codes: 0 passed, 1 violated, 2 bad input.";
  static override examples = ['<%= config.bin %> bucket verify --dir /tmp/bucket --logs w1.log w2.log'];
  static override enableJsonFlag = true;
  static override flags = {
    dir: existingDirectoryFlag({ description: 'the bucket directory', required: true }),
    logs: inputFileFlag({ description: "workers' captured output files", multiple: true }),
  };

  async run(): Promise<BucketVerdict> {
    const { flags } = await this.parse(BucketVerifyCommand);
    const verdict = await verifyBucket({ dir: flags.dir, ...(flags.logs === undefined ? {} : { logs: flags.logs }) });
    const { dropped, committed, waiting, rejected, skipped } = verdict.files;
    this.log(`${verdict.status === 'passed' ? 'PASSED' : 'VIOLATED'}: ${plural(dropped, 'file')} dropped, ${committed} committed, ${waiting} waiting, ${rejected} rejected${skipped === 0 ? '' : `, ${skipped} skipped`}`);
    for (const entry of verdict.skipped) this.log(`  - skipped ${entry.file}: ${entry.reason}`);
    if (flags.logs !== undefined) this.log(`logs: ${plural(verdict.commitsLogged, 'commit')}, ${plural(verdict.statisticsLines, 'statistics line')} checked`);
    for (const violation of verdict.violations.slice(0, 50)) this.log(`  ✗ ${violation.invariant}: ${violation.message}`);
    if (verdict.violations.length > 50) this.log(`  ... and ${verdict.violations.length - 50} more`);
    process.exitCode = verdict.status === 'passed' ? EXIT.passed : EXIT.violated;
    return verdict;
  }
}
