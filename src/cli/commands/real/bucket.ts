import { Flags } from '@oclif/core';
import { realBucketSystem, REAL_BUCKET_DEFAULTS } from '../../../real/campaign/bucket.js';
import type { RealCampaignResult } from '../../../real/campaign/campaign.js';
import { SimrunCommand } from '../../base.js';
import { realCampaignFlags, runRealCommand } from '../../real-campaign.js';
import { countFlag, lockSpecFlag } from '../../flags.js';
import { BUCKET_MUTANTS } from '../../../systems/bucket/mutants.js';

export default class RealBucketCommand extends SimrunCommand {
  static override summary = 'Run the real bucket provider and workers under a seeded nemesis and judge them with the simulation\'s checkers.';
  static override description =
    'Each run starts `simrun bucket provider` and N `simrun bucket worker` processes on a fresh bucket directory and one shared lock, while the nemesis (drawn from the run\'s seed, or --plan) SIGKILLs, SIGTERMs, pauses (SIGSTOP/SIGCONT) and restarts workers. Then the cluster heals, finishes every file, is stopped with SIGTERM, and the merged trace of every process is judged by exactly-once, mutual-exclusion, statistics, liveness, refused-claim-not-worked, commit-through-fence, no-commit-after-loss and no-uncaught-errors. Stops at the first violating run. Exit codes: 0 every run passed, 1 an invariant was violated, 2 bad input, 3 harness error.';
  static override examples = [
    '<%= config.bin %> real bucket --runs 20 --lock sqlite:/tmp/locks.db',
    '<%= config.bin %> real bucket --runs 5 --lock file:/tmp/locks --report',
    '<%= config.bin %> real bucket --mutant no-fencing',
    '<%= config.bin %> real bucket --runs 1 --plan nemesis.json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...realCampaignFlags,
    lock: lockSpecFlag({ description: 'the workers\' shared lock: sqlite:PATH, file:DIR, file (in the bucket) or postgres://... (default: a fresh SQLite file in each run\'s directory)', bare: ['file'] }),
    workers: countFlag({ description: 'worker processes', default: 3, max: 64 }),
    files: countFlag({ description: 'files the provider drops per run', default: 16, max: 10_000 }),
    mutant: Flags.string({ description: 'run deliberately broken workers (see `simrun mutants`: the bucket catalogue)', options: Object.keys(BUCKET_MUTANTS) }),
    'disk-full': Flags.boolean({ description: 'put each run\'s bucket on a small tmpfs the nemesis fills (disk-full: real ENOSPC); needs permission to mount, and is left out with a note where mounting is refused', default: true, allowNo: true }),
  };

  async run(): Promise<RealCampaignResult & { resultPath: string }> {
    const { flags } = await this.parse(RealBucketCommand);
    const system = await realBucketSystem({
      ...REAL_BUCKET_DEFAULTS,
      workers: flags.workers,
      files: flags.files,
      ...(flags.lock === undefined ? {} : { lock: flags.lock }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
      diskFull: flags['disk-full'],
    });
    return runRealCommand(system, flags, { log: (line) => this.log(line), json: this.jsonEnabled() }, (counts) =>
      `${counts.files ?? 0} files, ${counts.committed ?? 0} committed, ${counts.lost ?? 0} lost, ${counts.committedTwice ?? 0} processed twice, ${counts.statisticsLines ?? 0} statistics lines checked`,
    );
  }
}
