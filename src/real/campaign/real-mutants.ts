/**
 * The real-mode mutants `simrun mutants --check` proves caught: each a short real campaign of one
 * system (`simrun real SYSTEM --mutant NAME`) that must end with a violated invariant within
 * `runs` runs. A survivor means real processes under the nemesis no longer expose the flaw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientJobsMutants } from '../../systems/client-jobs/index.js';
import { BUCKET_MUTANTS } from '../../systems/bucket/mutants.js';
import { cronMutants } from '../../systems/cron/index.js';
import { DAG_MUTANTS } from '../../systems/dag/mutants.js';
import { JOBS_SERVE_MUTANTS } from '../job-runner/serve.js';
import { realBucketSystem, REAL_BUCKET_DEFAULTS } from './bucket.js';
import { runRealCampaign, type RealSystem } from './campaign.js';
import { realClientJobsSystem, REAL_CLIENT_JOBS_DEFAULTS } from './client-jobs.js';
import { realCronSystem, REAL_CRON_DEFAULTS } from './cron-leader.js';
import { realDagSystem, REAL_DAG_DEFAULTS } from './dag.js';
import { realJobRunnerSystem, REAL_JOB_RUNNER_DEFAULTS } from './job-runner.js';
import { realLockSystem, REAL_LOCK_DEFAULTS } from './lock.js';
import { REAL_LOCK_MUTANTS } from './lock-mutants.js';

export interface RealMutantEntry {
  /** `real lock`: where the mutant lives, as `simrun mutants` lists it. */
  readonly scenario: string;
  readonly mutant: string;
  readonly description: string;
  /** The campaign that must catch it. */
  system(): Promise<RealSystem>;
}

export interface RealMutantVerdict {
  readonly scenario: string;
  readonly mutant: string;
  readonly status: 'caught' | 'survived';
  readonly seed?: number;
  readonly invariant?: string;
  readonly runs: number;
  readonly wallMs: number;
}

/**
 * Runs per mutant: `simrun real SYSTEM`'s default, within which each must be caught. A campaign stops
 * at its first violation, so a caught mutant costs one run or two; only a survivor costs them all.
 */
export const REAL_MUTANT_RUNS = 10;

export const REAL_MUTANTS: readonly RealMutantEntry[] = [
  {
    scenario: 'real lock',
    mutant: 'no-token-bump-on-takeover',
    description: REAL_LOCK_MUTANTS['no-token-bump-on-takeover'] as string,
    system: () => realLockSystem({ ...REAL_LOCK_DEFAULTS, clients: 3, mutant: 'no-token-bump-on-takeover' }),
  },
  {
    // The file lock judges expiry by each client's clock; this one lets a client in a quarter lease
    // before its clock reads the holder's expiry. A key abandoned by a killed or paused holder is
    // taken over early, which only the exact judgement on the recorded clocks sees: the overlap is
    // shorter than the clocks' disagreement the old rule forgave.
    scenario: 'real lock',
    mutant: 'skew-margin-wrong-sign',
    description: REAL_LOCK_MUTANTS['skew-margin-wrong-sign'] as string,
    system: () => realLockSystem({ ...REAL_LOCK_DEFAULTS, clients: 3, mutant: 'skew-margin-wrong-sign' }),
  },
  {
    scenario: 'real client-jobs',
    mutant: 'no-lock',
    description: clientJobsMutants['no-lock'].flaw,
    system: () => realClientJobsSystem({ ...REAL_CLIENT_JOBS_DEFAULTS, clients: 2, jobs: 3, mutant: 'no-lock' }),
  },
  {
    scenario: 'real job-runner',
    mutant: 'stop-leaves-group',
    description: JOBS_SERVE_MUTANTS['stop-leaves-group'],
    system: async () => realJobRunnerSystem({ ...REAL_JOB_RUNNER_DEFAULTS, mutant: 'stop-leaves-group' }),
  },
  {
    scenario: 'real dag',
    mutant: 'no-runner-lease',
    description: DAG_MUTANTS['no-runner-lease'],
    system: async () => realDagSystem({ ...REAL_DAG_DEFAULTS, mutant: 'no-runner-lease' }),
  },
  {
    // Every commit of this worker skips the fence's second look, so `commit-through-fence` sees the
    // first one; the lease and the exclusive publish keep the output itself right.
    scenario: 'real bucket',
    mutant: 'commit-without-fence',
    description: BUCKET_MUTANTS['commit-without-fence'],
    system: () => realBucketSystem({ ...REAL_BUCKET_DEFAULTS, workers: 3, files: 16, mutant: 'commit-without-fence' }),
  },
  {
    // Three workers go for the oldest file at once, so claims are refused from the first drops on;
    // this worker works on each refused one, and `refused-claim-not-worked` sees the first.
    scenario: 'real bucket',
    mutant: 'work-on-refused-claim',
    description: BUCKET_MUTANTS['work-on-refused-claim'],
    system: () => realBucketSystem({ ...REAL_BUCKET_DEFAULTS, workers: 3, files: 16, mutant: 'work-on-refused-claim' }),
  },
  {
    // A refused server runs the command on every tick it loses, so `command-by-leader` sees the first.
    scenario: 'real cron-leader',
    mutant: 'run-when-refused',
    description: cronMutants['run-when-refused'].flaw,
    system: () => realCronSystem({ ...REAL_CRON_DEFAULTS, servers: 3, mutant: 'run-when-refused' }),
  },
];

/** Runs `entry`'s campaign from seed 1 until a run violates an invariant, at most `runs` runs. */
export async function checkRealMutant(entry: RealMutantEntry, runs = REAL_MUTANT_RUNS): Promise<RealMutantVerdict> {
  const outDir = await mkdtemp(join(tmpdir(), 'simrun-real-mutant-'));
  try {
    const result = await runRealCampaign({ system: await entry.system(), seed: 1, runs, outDir });
    const base = { scenario: entry.scenario, mutant: entry.mutant, runs: result.runs, wallMs: result.wallMs };
    if (result.failure === undefined) return { ...base, status: 'survived' };
    return { ...base, status: 'caught', seed: result.failure.seed, ...(result.failure.violations[0] === undefined ? {} : { invariant: result.failure.violations[0].invariant }) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
