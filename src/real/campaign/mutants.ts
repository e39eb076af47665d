/**
 * The real-mode mutant catalogue: broken real processes that `simrun real SYSTEM --mutant NAME` must
 * catch within its default runs (10, stopping at the first violation). `simrun mutants --check` runs
 * each as such a campaign, from seed 1, in a temporary directory, and reports it with the simulated
 * mutants (scenario `real SYSTEM`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAG_MUTANTS } from '../../systems/dag/mutants.js';
import { JOBS_SERVE_MUTANTS } from '../job-runner/serve.js';
import { runRealCampaign, type RealSystem } from './campaign.js';
import { realDagSystem, REAL_DAG_DEFAULTS } from './dag.js';
import { realJobRunnerSystem, REAL_JOB_RUNNER_DEFAULTS } from './job-runner.js';

export interface RealMutant {
  /** `real job-runner`. */
  readonly scenario: string;
  readonly mutant: string;
  readonly description: string;
  readonly system: () => RealSystem;
}

/** The default number of runs of `simrun real SYSTEM`: a real mutant must be caught within them. */
export const REAL_MUTANT_RUNS = 10;

export const REAL_MUTANTS: readonly RealMutant[] = [
  {
    scenario: 'real job-runner',
    mutant: 'stop-leaves-group',
    description: JOBS_SERVE_MUTANTS['stop-leaves-group'],
    system: () => realJobRunnerSystem({ ...REAL_JOB_RUNNER_DEFAULTS, mutant: 'stop-leaves-group' }),
  },
  {
    scenario: 'real dag',
    mutant: 'no-runner-lease',
    description: DAG_MUTANTS['no-runner-lease'],
    system: () => realDagSystem({ ...REAL_DAG_DEFAULTS, mutant: 'no-runner-lease' }),
  },
];

export interface RealMutantVerdict {
  readonly scenario: string;
  readonly mutant: string;
  readonly description: string;
  readonly status: 'caught' | 'survived';
  readonly seed?: number;
  readonly invariant?: string;
  readonly wallMs: number;
}

/** Runs the mutant's campaign from seed 1; caught when a run violates an invariant. */
export async function checkRealMutant(entry: RealMutant): Promise<RealMutantVerdict> {
  const outDir = await mkdtemp(join(tmpdir(), 'simrun-real-mutant-'));
  try {
    const result = await runRealCampaign({ system: entry.system(), seed: 1, runs: REAL_MUTANT_RUNS, outDir });
    const { scenario, mutant, description } = entry;
    if (result.failure === undefined) return { scenario, mutant, description, status: 'survived', wallMs: result.wallMs };
    const invariant = result.failure.violations[0]?.invariant;
    return { scenario, mutant, description, status: 'caught', seed: result.failure.seed, ...(invariant === undefined ? {} : { invariant }), wallMs: result.wallMs };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
