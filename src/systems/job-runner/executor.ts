/**
 * How a job's command actually runs. The job runner and the DAG pipeline own scheduling, state and
 * output; an `Executor` only runs one command and reports its output and its exit. In real mode it
 * is a shell child process (`src/real/job-runner/shell-executor.ts`); in simulation a simulated job that emits
 * chunks over `env.sleep` (`sim-executor.ts`). Keeping it this small keeps `node:child_process`
 * out of the systems, so the same runner code runs under both.
 */

/** One piece of a job's output, in the order the job produced it. */
export interface OutputChunk {
  readonly stream: 'stdout' | 'stderr';
  /** The chunk as UTF-8 text (a character split across chunks is decoded whole, in the later one). */
  readonly text: string;
  /** The chunk's exact bytes, when the executor has them (real mode); `text` encoded otherwise. */
  readonly bytes?: Uint8Array;
}

/** How a job ended: an exit code, or the signal that ended it. */
export interface ExitStatus {
  /** The exit code; `null` when a signal ended the job. */
  readonly code: number | null;
  /** The signal that ended the job (`SIGTERM`, `SIGKILL`), or `null`. */
  readonly signal: string | null;
  /** Set when the command never ran: why the executor could not start it (`spawn E2BIG`). */
  readonly error?: string;
  /**
   * Set when the job's shell exited while processes it started still ran in its process group (a
   * child it neither waited for nor ended); the executor ended them. Whether that fails the job is
   * the caller's rule (the DAG runner's success rule).
   */
  readonly leftRunning?: boolean;
}

export interface ExecutionRequest {
  /** A shell command in real mode; a simulated job's description in simulation. */
  readonly command: string;
  /** Receives each chunk of output as it is produced, in order, before `exited` settles. */
  onOutput(chunk: OutputChunk): void;
  /**
   * Start the execution (its id is known, its process group exists) but run nothing of the command
   * until `release()`: the caller records the id first, so a caller killed between the start and the
   * record leaves nothing running that no record names. If the caller dies before it releases, the
   * command never runs. An executor whose starts no crash can split from the caller's next step (the
   * simulated one: a store write there takes no simulated time) may run the command at once.
   */
  readonly held?: boolean;
}

/** One running command. */
export interface Execution {
  /** The process id in real mode, the simulated execution's id in simulation. */
  readonly id: string;
  /** Settles (never rejects) once the job has ended and every chunk of its output was delivered. */
  readonly exited: Promise<ExitStatus>;
  /**
   * Ends the job, and in real mode every process it started; `exited` settles afterwards. `force`:
   * at once (SIGKILL), without the grace period a job gets to clean up after SIGTERM.
   */
  kill(force?: boolean): void;
  /** Lets a `held` execution run its command; absent or a no-op where the command already runs. */
  release?(): void;
}

export interface Executor {
  /** Why this executor cannot run `command` at all (`undefined`: it can); asked before a job is accepted. */
  refuse?(command: string): string | undefined;
  /** Starts `command`; may throw when it cannot (the runner then ends the job `failed` with the reason). */
  start(request: ExecutionRequest): Execution;
}

/** True when the job ended by itself with code 0. */
export function succeeded(status: ExitStatus): boolean {
  return status.code === 0 && status.signal === null && status.error === undefined;
}

/** `exit 3`, `signal SIGTERM`: for log lines and status replies. */
export function describeExit(status: ExitStatus): string {
  if (status.error !== undefined) return `not started: ${status.error}`;
  if (status.signal !== null) return `signal ${status.signal}`;
  return status.leftRunning === true ? `exit ${String(status.code)} with processes it started still running` : `exit ${String(status.code)}`;
}
