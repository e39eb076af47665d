/**
 * The DAG runner's mutant catalogue: deliberately broken variants the `dag` scenario's invariants
 * must catch. Each replaces one of the runner's rules (`DagRules`: scheduling, and the lifecycle of
 * its lease and its jobs' process groups); the runner itself never asks which mutant it runs.
 */
import type { DagFlaws } from './dag-runner.js';

/** Mutant name → what is broken, one line each. */
export const DAG_MUTANTS = {
  'ignore-upstream-failure': 'treats an upstream job that failed for good as done, so downstream jobs run anyway',
  'start-on-time-not-deps': 'starts a job with a start time when its time comes, whether or not its upstream jobs succeeded',
  'missed-runtime-alert': 'reads max_runtime_ms as seconds, so runtime alerts come 1000 times too late',
  'stuck-after-retry': 'never unblocks downstream jobs when a restarted job succeeds',
  'no-runner-lease': 'runs the pipeline without taking its runner lease, so a second runner on the same store runs the same jobs',
  'rerun-orphans': 'runs an interrupted job again without ending the process group its dead runner left running',
  'stop-leaves-jobs': 'on SIGTERM exits without ending its running jobs, whose process groups run on untracked',
  'ignore-max-parallel': "starts every job whose upstream jobs are done, however many run already: the pipeline's max_parallel is ignored",
  'kill-after-warns': 'treats kill_after_ms as a warning: an attempt past it runs on and may end as a success',
  'kill-after-at-end': 'never kills an attempt at its kill_after_ms: it runs on to its own end and only then fails (single layer: the check at the end masks it)',
  'stop-without-kill': "an operator's stop only flags a running attempt: it runs on to its own end and is then recorded stopped (single layer: the flag masks it)",
  'unfenced-writes': 'writes run-log rows without the lease fence, so a runner paused past its lease still writes (single layer: the lease, renewed or lost on waking, masks it)',
  'data-by-bytes': "judges max_data by the bytes a job printed, ignoring the amounts it reported (SIMRUN_DATA)",
  'exit-zero-trusts-shell': 'takes a shell that exited 0 for a success even when a child it started was still running',
  'rerun-leaves-downstream': 'reruns only the job named by `dag restart JOB --force`, leaving the jobs downstream of it on their old results',
  'failure-leaves-downstream-waiting':
    'never marks the jobs downstream of a job that failed for good blocked: they stay waiting, unreported (single layer: the upstream-success gate keeps them from running)',
  'start-before-row': "starts a job's command before the run-log row naming its process group is written (no held start): a runner killed in between leaves a job no row names",
  'command-piecemeal':
    "takes an operator's command from the store before carrying it out, and writes the rows it comes to one by one: a runner killed on the way leaves it half applied or lost",
} as const;

/** Mutants of new runs and of the schedule loop (`scheduled-runs.ts`): the `dag-schedule` scenario's catalogue. */
export const DAG_SCHEDULE_MUTANTS = {
  'new-run-keeps-results': 'a new run (`--new-run`, each scheduled run) carries on the last run: jobs that succeeded there do not run again',
  'schedule-wakes-early': "waits for the schedule's tick in whole seconds, rounded down, and starts the run without looking at the clock again",
} as const;

export type DagMutant = keyof typeof DAG_MUTANTS | keyof typeof DAG_SCHEDULE_MUTANTS;

const FLAWS: { readonly [M in DagMutant]: DagFlaws } = {
  'ignore-upstream-failure': {
    upstreamDone: (phase) => phase === 'succeeded' || phase === 'failed',
    upstreamBlocks: (phase) => phase === 'blocked',
  },
  'start-on-time-not-deps': { waitsForUpstream: (job) => job.startAtMs === undefined },
  'missed-runtime-alert': { runtimeLimitMs: (maxRuntimeMs) => maxRuntimeMs * 1_000 },
  'stuck-after-retry': { unblocks: () => false },
  'no-runner-lease': { takesRunnerLease: () => false },
  'rerun-orphans': { reapsOrphans: () => false },
  'stop-leaves-jobs': { endsJobsOnStop: () => false },
  'ignore-max-parallel': { parallelLimit: () => Number.POSITIVE_INFINITY },
  'kill-after-warns': { killsAtLimit: () => false },
  'kill-after-at-end': { monitorKillsAtLimit: () => false },
  'stop-without-kill': { stopKillsAttempt: () => false },
  'unfenced-writes': { fencesWrites: () => false },
  'data-by-bytes': { dataAmount: (_reported, bytes) => bytes },
  'exit-zero-trusts-shell': { leftRunningFails: () => false },
  'rerun-leaves-downstream': { rerunsDownstream: () => false },
  'failure-leaves-downstream-waiting': { marksBlocked: () => false },
  'start-before-row': { holdsStart: () => false },
  'command-piecemeal': { commitsCommandsWhole: () => false },
  'new-run-keeps-results': { freshNewRun: () => false },
  'schedule-wakes-early': { tickWaitMs: (leftMs) => Math.floor(leftMs / 1_000) * 1_000 },
};

export function isDagMutant(name: string | undefined): name is DagMutant {
  return name !== undefined && (Object.hasOwn(DAG_MUTANTS, name) || Object.hasOwn(DAG_SCHEDULE_MUTANTS, name));
}

/** The rules a mutant breaks (none for no mutant, or a name not in the catalogue). */
export function dagFlawsOf(mutant: string | undefined): DagFlaws {
  return isDagMutant(mutant) ? FLAWS[mutant] : {};
}
