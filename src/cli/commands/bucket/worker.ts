import { Flags } from '@oclif/core';
import { runWorkerUntilInterrupted } from '../../../real/bucket/worker.js';
import { SimrunCommand } from '../../base.js';
import { DEFAULT_SETTLE_MS } from '../../../systems/bucket/input-format.js';
import { SLOWEST_SECONDS_IN_MIN, decimalFlag, durationMsFlag, lockSpecFlag, outputDirectoryFlag } from '../../flags.js';
import { BUCKET_MUTANTS } from '../../../systems/bucket/mutants.js';

export default class BucketWorkerCommand extends SimrunCommand {
  static override summary = 'Process the files of a bucket directory alongside other workers, each exactly once.';
  static override description =
    'Polls the directory, claims one file at a time with a lease on the shared lock, processes it for its minutes × seconds-in-min seconds, commits its output to DIR/output exactly once and moves it to DIR/processed. A file ending in #end is taken at once; one without (the number-only format of the original simulation.py) once its size and modification time held still for --settle-ms between two looks. Prints "Files processed: N, Total Time: T, Sum of Squares: S" every 5 files on standard output; structured events go to standard error as JSON lines. Runs until SIGINT or SIGTERM. Exit codes: 0 stopped, 2 bad input.';
  static override examples = [
    '<%= config.bin %> bucket worker --dir /tmp/bucket --lock file --seconds-in-min 0.01',
    '<%= config.bin %> bucket worker --dir /tmp/bucket --lock sqlite:/tmp/locks.db --seconds-in-min 0.01 >w1.log 2>&1',
  ];
  static override flags = {
    dir: outputDirectoryFlag({ description: 'the bucket directory (waited for when it does not exist yet)', required: true }),
    lock: lockSpecFlag({ description: 'file (locks in DIR/locks), file:DIR, sqlite:PATH or postgres://user:pass@host/db', default: 'file', bare: ['file'] }),
    'seconds-in-min': decimalFlag({ description: 'real seconds per minute of processing time (60: real time; above 0, at most a day)', min: 0, aboveMin: true, max: SLOWEST_SECONDS_IN_MIN, default: 60 }),
    'poll-ms': durationMsFlag({ description: 'wait between looks at an idle directory', default: 5_000 }),
    'lease-ttl-ms': durationMsFlag({ description: "lease per claimed file; a dead worker's file is taken over after it", default: 30_000 }),
    'settle-ms': durationMsFlag({ description: "a file without an #end marker (simulation.py's) is taken once its size and mtime held still this long between two looks", default: DEFAULT_SETTLE_MS, min: 0 }),
    mutant: Flags.string({ description: 'run a deliberately broken worker (for simrun real bucket --mutant)', options: Object.keys(BUCKET_MUTANTS), hidden: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BucketWorkerCommand);
    await runWorkerUntilInterrupted({
      dir: flags.dir,
      lock: flags.lock,
      secondsInMin: flags['seconds-in-min'],
      pollMs: flags['poll-ms'],
      leaseTtlMs: flags['lease-ttl-ms'],
      settleMs: flags['settle-ms'],
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
  }
}
