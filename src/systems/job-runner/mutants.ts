/**
 * The job runner's mutant catalogue: deliberately broken variants the `job-runner` scenario's
 * invariants must catch. Each replaces one or two of the runner's rules (`JobRunnerRules`); the
 * runner itself never asks which mutant it runs.
 */
import { MAX_TIMER_DELAY_MS } from '../../env/timer-limit.js';
import type { JobRunnerFlaws } from './job-runner.js';

/** Mutant name → what is broken, one line each. */
export const JOB_RUNNER_MUTANTS = {
  'stop-queued-still-runs': 'stopping a queued job only flags it, and starting it clears the flag: it runs anyway',
  'early-scheduled-start': 'waits for a scheduled start in whole seconds rounded down, and never re-reads the clock',
  'over-concurrency': 'checks the concurrency limit with <= instead of <, so one job too many runs',
  'stream-skips-buffered': 'a stream opened after output began starts at the live edge, losing what came before',
  'restart-forgets-queued': 'a restarted runner recovers the executing jobs but silently drops the queued and scheduled ones',
  'stderr-in-stdout': 'the stdout view of a job’s output also has what it printed on stderr',
  'late-stop-handler': 'the server registers its SIGTERM handler only when it accepts its first job: a graceful stop before that kills it outright',
  'stop-without-kill': 'stopping an executing job only flags it: the job runs on to its own end and is then recorded stopped (single layer: the flag masks it)',
  'wake-without-clock-reread': 'waits for a scheduled start in one sleep and never re-reads the clock, so a clock stepped back wakes it early (single layer: the slot check re-reads the clock)',
  'stop-leaves-start-wait': 'stopping a scheduled job leaves its wait for the start time running, so it wakes for a job that ended (single layer: the wake finds it ended)',
  'killed-counts-as-completed': 'a job killed by a signal has no exit code, which the runner reads as 0: a job the OOM killer ended is recorded completed',
  'any-user-stops-any-job': "lets any client see and stop any user's job, not only an admin",
  'prune-by-queue-time': 'prunes stored jobs by when they were queued, not when they ended: a job that ended a moment ago is deleted',
  'prune-keeps-spill': "deletes a pruned job's record but not its spill files: they stay on disk for ever",
} as const;

export type JobRunnerMutant = keyof typeof JOB_RUNNER_MUTANTS;

const FLAWS: { readonly [M in JobRunnerMutant]: JobRunnerFlaws } = {
  'stop-queued-still-runs': { stopQueued: 'flag', stopFlagAtLaunch: () => false },
  'early-scheduled-start': {
    sleepUntil: (env, atMs, signal) => env.sleep(Math.floor((atMs - env.now()) / 1_000) * 1_000, signal),
    startTimeHasCome: () => true,
  },
  'over-concurrency': { hasSlot: (executing, limit) => executing <= limit },
  'stream-skips-buffered': { firstStreamedChunk: (buffered) => buffered },
  'restart-forgets-queued': { recover: (state) => (state === 'executing' ? 'failed' : state === 'queued' ? undefined : state) },
  'stderr-in-stdout': { chunkInView: (stream, view) => view !== 'stderr' || stream === 'stderr' },
  // A flaw of the server around the runner, not of the runner: see `registersStopHandlerLate`.
  'late-stop-handler': {},
  'stop-without-kill': { stopKillsExecution: false },
  'wake-without-clock-reread': { sleepUntil: (env, atMs, signal) => env.sleep(Math.min(Math.max(0, atMs - env.now()), MAX_TIMER_DELAY_MS), signal) },
  'stop-leaves-start-wait': { stopCancelsStartWait: false },
  'killed-counts-as-completed': { succeeded: (exit) => (exit.code ?? 0) === 0 && exit.error === undefined },
  'any-user-stops-any-job': { mayAct: () => true },
  'prune-by-queue-time': { prunable: (job, cutoffMs) => job.queuedAtMs < cutoffMs },
  'prune-keeps-spill': { discardsOutputWithRecord: false },
};

export function isJobRunnerMutant(name: string | undefined): name is JobRunnerMutant {
  return name !== undefined && Object.hasOwn(JOB_RUNNER_MUTANTS, name);
}

/** The rules a mutant breaks (none for no mutant, or a name not in the catalogue). */
export function jobRunnerFlawsOf(mutant: string | undefined): JobRunnerFlaws {
  return isJobRunnerMutant(mutant) ? FLAWS[mutant] : {};
}

/**
 * Whether the server around the runner registers its stop handler late (`late-stop-handler`): only
 * once it accepts its first job, instead of before it opens the runner and starts the jobs it recovered.
 */
export function registersStopHandlerLate(mutant: string | undefined): boolean {
  return mutant === 'late-stop-handler';
}
