/**
 * A job's lifecycle, and the one place its transitions are checked:
 *
 * ```
 * queued ──▶ executing ──▶ completed | failed
 *   │            │
 *   └──▶ stopped ◀┘
 * ```
 * Every state change of every job goes through `checkTransition`; an illegal one is a bug in the
 * runner and throws rather than corrupting a job's history.
 */

export type JobState = 'queued' | 'executing' | 'completed' | 'failed' | 'stopped';

const LEGAL_NEXT: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['executing', 'stopped'],
  executing: ['completed', 'failed', 'stopped'],
  completed: [],
  failed: [],
  stopped: [],
};

export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
  constructor(
    readonly job: string,
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`job ${job}: illegal transition ${from} -> ${to}`);
  }
}

/** Throws `IllegalTransition` unless a job may go from `from` to `to`. */
export function checkTransition(job: string, from: JobState, to: JobState): void {
  if (!LEGAL_NEXT[from].includes(to)) throw new IllegalTransition(job, from, to);
}

/** True for the states a job never leaves. */
export function isTerminal(state: JobState): boolean {
  return LEGAL_NEXT[state].length === 0;
}
