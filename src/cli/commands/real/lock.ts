import { Flags } from '@oclif/core';
import type { RealCampaignResult } from '../../../real/campaign/campaign.js';
import { realLockSystem, REAL_LOCK_DEFAULTS } from '../../../real/campaign/lock.js';
import { REAL_LOCK_MUTANTS } from '../../../real/campaign/lock-mutants.js';
import { SimrunCommand } from '../../base.js';
import { countFlag, lockSpecFlag } from '../../flags.js';
import { realCampaignFlags, runRealCommand } from '../../real-campaign.js';

export default class RealLockCommand extends SimrunCommand {
  static override summary = "Run real lock clients taking turns on one backend under a seeded nemesis and judge them with the simulation's lock checkers.";
  static override description =
    "Each run starts N lock client processes taking turns on a few keys through one lock (--lock), each section writing a fenced SQLite resource with its token, while the nemesis (drawn from the run's seed, or --plan) SIGKILLs, SIGTERMs, pauses (SIGSTOP/SIGCONT) and restarts clients. Then every client comes back, abandoned leases lapse, the clients go on a while, they are stopped with SIGTERM, and the merged trace is judged by lease-exclusion, lease-contract, fencing, lease-belief, progress and no-uncaught-errors. Stops at the first violating run. Exit codes: 0 every run passed, 1 an invariant was violated, 2 bad input, 3 harness error.";
  static override examples = [
    '<%= config.bin %> real lock --runs 5',
    '<%= config.bin %> real lock --runs 3 --lock file:/tmp/locks',
    '<%= config.bin %> real lock --runs 3 --lock postgres://user:pass@localhost/jobs',
    '<%= config.bin %> real lock --mutant no-token-bump-on-takeover',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...realCampaignFlags,
    lock: lockSpecFlag({ description: "the clients' shared lock: sqlite:PATH, file:DIR or postgres://... (default: a fresh SQLite file in each run's directory)" }),
    clients: countFlag({ description: 'lock client processes', default: 3, max: 64 }),
    keys: countFlag({ description: 'keys they take turns on', default: REAL_LOCK_DEFAULTS.keys, max: 1_000 }),
    'ttl-ms': countFlag({ description: 'lease length, ms (renewed every third)', default: REAL_LOCK_DEFAULTS.ttlMs, min: 100, max: 60_000 }),
    mutant: Flags.string({ description: 'use a deliberately broken lock store', options: Object.keys(REAL_LOCK_MUTANTS) }),
  };

  async run(): Promise<RealCampaignResult & { resultPath: string }> {
    const { flags } = await this.parse(RealLockCommand);
    const system = await realLockSystem({
      ...REAL_LOCK_DEFAULTS,
      clients: flags.clients,
      keys: flags.keys,
      ttlMs: flags['ttl-ms'],
      ...(flags.lock === undefined ? {} : { lock: flags.lock }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
    return runRealCommand(system, flags, { log: (line) => this.log(line), json: this.jsonEnabled() }, (counts) =>
      `${counts.grants ?? 0} grants, ${counts.renewals ?? 0} renewals, ${counts.writes ?? 0} fenced writes accepted, ${counts.fenced ?? 0} refused, ${counts.lost ?? 0} leases lost`,
    );
  }
}
