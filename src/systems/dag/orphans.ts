/**
 * Jobs a dead runner left behind. Each attempt runs in its own process group, and a process group
 * does not die with the process that started it: a runner that is SIGKILLed, or crashes, leaves
 * its running jobs running. The run log records each attempt's execution (its process group)
 * before the job's command runs (the execution starts held, and is released once the row is
 * written), and the next runner of the pipeline ends every one it finds there before it runs that
 * job again, so a job never runs twice at once.
 *
 * Ended, not adopted: a job's output and exit status went to pipes of the runner that died, so no
 * later runner can learn how the attempt ends; the attempt is run again from the start, as an
 * interrupted attempt always was.
 */

/** What ending an orphan came to. */
export type ReapOutcome =
  /** It was still running and has been ended. */
  | 'ended'
  /** Nothing of it was left running. */
  | 'not-running'
  /** It ran on another machine (or before a reboot): it cannot be reached from here. */
  | 'unreachable';

export interface Orphan {
  readonly job: string;
  /** The job's command, as the pipeline defines it now. */
  readonly command: string;
  /** The execution the run log recorded for the attempt (a process group id in real mode). */
  readonly execution: string;
  /** The runner that started it, as the run log recorded it. */
  readonly runner: string | undefined;
}

export interface OrphanReaper {
  /** Ends `orphan`'s process group if it still runs; resolves once it is gone. */
  reap(orphan: Orphan): Promise<ReapOutcome>;
}

/** For runners whose jobs cannot outlive them (tests with in-process executors). */
export const NO_ORPHANS: OrphanReaper = { reap: async () => 'not-running' };
