import { Flags } from '@oclif/core';
import { runProvider } from '../../../real/bucket/provider.js';
import type { InputFormat } from '../../../systems/bucket/input-format.js';
import { SimrunCommand } from '../../base.js';
import { LONGEST_LAG_MIN, SLOWEST_SECONDS_IN_MIN, countFlag, decimalFlag, existingDirectoryFlag, inputFileFlag, probabilityFlag } from '../../flags.js';

export default class BucketProviderCommand extends SimrunCommand {
  static override summary = "Drop timed files into a bucket directory, one every interval, named after the time they stand for.";
  static override description =
    'File N (named 2020_08_18_00_15.txt plus N × 15 minutes) appears N × 15 × seconds-in-min seconds after the start, later when the lag distribution draws a lag for it; processing times are uneven (log-normal, 1 to 45 minutes) unless --schedule lists them. With --format marked (the default) its first line is its processing time in minutes, then JSON lines, then an #end marker; with --format number-only it holds the minutes alone, as the original simulation.py writes them (workers take such a file once it has settled). Exits once every file is dropped. Exit codes: 0 done, 2 bad input.';
  static override examples = [
    '<%= config.bin %> bucket provider --dir /tmp/bucket --seconds-in-min 0.01',
    '<%= config.bin %> bucket provider --dir /tmp/bucket --seconds-in-min 0.1 --files 12 --schedule appendix.txt',
    '<%= config.bin %> bucket provider --dir /tmp/bucket --seconds-in-min 0.01 --format number-only --lag-probability 0.25 --lag-mean-min 2 --lag-max-min 10',
  ];
  static override flags = {
    dir: existingDirectoryFlag({ description: 'the bucket directory (must exist)', required: true }),
    'seconds-in-min': decimalFlag({ description: 'real seconds per scheduled minute (60: real time; above 0, at most a day)', min: 0, aboveMin: true, max: SLOWEST_SECONDS_IN_MIN, default: 60 }),
    files: countFlag({ description: 'how many files (default: the schedule length, or 96)', max: 100_000 }),
    schedule: inputFileFlag({ description: 'a file with the processing minutes of each file, one number per line' }),
    'non-atomic': Flags.boolean({ description: 'write each file in place in two parts, as a careless uploader would', default: false }),
    format: Flags.string({ description: "what a file holds: marked (minutes, JSON lines, #end) or number-only (the minutes alone, simulation.py's format)", options: ['marked', 'number-only'], default: 'marked' }),
    'lag-probability': probabilityFlag({ description: 'the chance that a file appears late (0 to 1)', default: 0 }),
    'lag-mean-min': decimalFlag({ description: 'the mean lag of a late file, in scheduled minutes (exponential)', min: 0, max: LONGEST_LAG_MIN, default: 2 }),
    'lag-max-min': decimalFlag({ description: 'the longest lag, in scheduled minutes', min: 0, max: LONGEST_LAG_MIN, default: 10 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BucketProviderCommand);
    await runProvider({
      dir: flags.dir,
      secondsInMin: flags['seconds-in-min'],
      ...(flags.files === undefined ? {} : { files: flags.files }),
      ...(flags.schedule === undefined ? {} : { schedule: flags.schedule }),
      atomicWrites: !flags['non-atomic'],
      format: flags.format as InputFormat,
      lag: { probability: flags['lag-probability'], meanMinutes: flags['lag-mean-min'], maxMinutes: flags['lag-max-min'] },
    });
  }
}
