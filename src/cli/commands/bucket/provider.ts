import { Flags } from '@oclif/core';
import { runProvider } from '../../../real/bucket/provider.js';
import { SimrunCommand } from '../../base.js';
import { countFlag, existingDirectoryFlag, inputFileFlag } from '../../flags.js';

export default class BucketProviderCommand extends SimrunCommand {
  static override summary = "Drop timed files into a bucket directory, one every interval, named after the time they stand for.";
  static override description =
    'File N (named 2020_08_18_00_15.txt plus N × 15 minutes) appears N × 15 × seconds-in-min seconds after the start; its first line is its processing time in minutes, then JSON lines, then an #end marker. Exits once every file is dropped. Exit codes: 0 done, 2 bad input.';
  static override examples = [
    '<%= config.bin %> bucket provider --dir /tmp/bucket --seconds-in-min 0.01',
    '<%= config.bin %> bucket provider --dir /tmp/bucket --seconds-in-min 0.1 --files 12 --schedule appendix.txt',
  ];
  static override flags = {
    dir: existingDirectoryFlag({ description: 'the bucket directory (must exist)', required: true }),
    'seconds-in-min': Flags.string({ description: 'real seconds per scheduled minute (60: real time)', default: '60' }),
    files: countFlag({ description: 'how many files (default: the schedule length, or 96)', max: 100_000 }),
    schedule: inputFileFlag({ description: 'a file with the processing minutes of each file, one number per line' }),
    'non-atomic': Flags.boolean({ description: 'write each file in place in two parts, as a careless uploader would', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BucketProviderCommand);
    await runProvider({
      dir: flags.dir,
      secondsInMin: flags['seconds-in-min'],
      ...(flags.files === undefined ? {} : { files: flags.files }),
      ...(flags.schedule === undefined ? {} : { schedule: flags.schedule }),
      atomicWrites: !flags['non-atomic'],
    });
  }
}
