/**
 * The pipeline's durable state: the run log and the operator's pending commands, kept in a SQL
 * store (SQLite by default, PostgreSQL by option). The runner writes a row at every change of a
 * job's state and rebuilds its state from the newest row per job when it starts, so a restarted
 * runner carries on where the last one stopped.
 *
 * Table `dag_run_log`: the seed design's columns `job_key`, `exec_time` (ms), `amount_of_data`
 * (bytes), `timestamp` (ms since the Unix epoch), `status`, plus `id` (order), `pipeline` (several
 * pipelines may share a store), `attempt` (so retries left survive a restart), `execution` and
 * `runner` (which process group an attempt runs in, and which runner started it), and `run_id` (the
 * run a row belongs to: `dag run --new-run` starts the next one, and only the newest run's rows
 * say where a job stands). `amount_of_data` is the amount the job reported (`data-report.ts`), or
 * its output bytes when it reported none.
 * Table `dag_attempt_output`: each attempt's output (stdout and stderr interleaved as they came,
 * the first `MAX_SAVED_OUTPUT_BYTES`), for `simrun dag logs`.
 * Table `dag_commands`: `start` / `stop` / `restart` requests from `simrun dag restart` and friends.
 * A command stays until the runner has carried it out: the rows it comes to and its removal are one
 * transaction (`commit`), so a runner that dies on the way leaves it whole for the next one, never
 * half applied nor lost.
 * Table `dag_runner_leases`: one lease per pipeline, so that at most one runner runs it.
 */
import type { LockBackend } from '../../locks/lock.js';

/** What a row says about a job; the newest row per job is its state. */
export type RunStatus =
  /** An attempt began. If it is the newest row after a restart, the attempt was interrupted. */
  | 'running'
  | 'succeeded'
  /** An attempt failed and another will follow. */
  | 'retrying'
  /** An attempt failed with no retries left: everything downstream waits for a restart. */
  | 'failed'
  /** An operator stopped the job. */
  | 'stopped'
  /** An operator (re)started the job: it waits for its upstream jobs, with all its retries. */
  | 'restarted'
  /** The runner was stopped (SIGTERM, SIGINT) and ended the attempt: the next runner runs it again. */
  | 'interrupted';

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'retrying', 'failed', 'stopped', 'restarted', 'interrupted'];

export interface RunLogEntry {
  readonly pipeline: string;
  readonly jobKey: string;
  /** 1 for the first attempt after a (re)start; 0 for `restarted` rows. */
  readonly attempt: number;
  readonly status: RunStatus;
  /** How long the attempt ran, ms (0 for rows that do not end an attempt). */
  readonly execTimeMs: number;
  /** Bytes of output the attempt printed (0 for rows that do not end an attempt). */
  readonly amountOfDataBytes: number;
  /** When the row was written, by the runner's clock, ms since the Unix epoch. */
  readonly timestampMs: number;
  /**
   * On the `running` row written once an attempt is launched: its execution (in real mode the
   * process id of the job's shell, which leads the job's own process group). A runner that finds it
   * as a job's newest row ends that process group before it runs the job again.
   */
  readonly execution?: string;
  /** Who wrote the row: the runner's lease owner (`dag-runner@HOST#PID` in real mode). */
  readonly runner?: string;
  /** The run the row belongs to (1 for rows written before runs were numbered). */
  readonly run?: number;
}

/**
 * `rerun`: run a job again even though it succeeded, and every job downstream of it (`dag restart
 * JOB --force`); `start`/`restart` only (re)start jobs that failed or were stopped.
 */
export type CommandAction = 'start' | 'stop' | 'restart' | 'rerun';

/** One attempt's saved output. */
export interface AttemptOutput {
  readonly pipeline: string;
  readonly run: number;
  readonly jobKey: string;
  readonly attempt: number;
  /** stdout and stderr as they came, the first `MAX_SAVED_OUTPUT_BYTES` of it. */
  readonly output: string;
  /** The attempt printed more than was saved. */
  readonly truncated: boolean;
}

/** How much of one attempt's output is saved for `dag logs`. */
export const MAX_SAVED_OUTPUT_BYTES = 1_048_576;

export interface PipelineCommand {
  readonly pipeline: string;
  readonly action: CommandAction;
  /** One job, or every job when `null`. */
  readonly jobKey: string | null;
}

/** A command waiting in the store, with the id that `commit` removes it by. */
export interface PendingCommand extends PipelineCommand {
  readonly id: number;
}

/** What one `commit` writes under what. */
export interface CommitOptions {
  /** Written only while this lease is held (see `append`). */
  readonly fence?: AppendFence;
  /** The pending command the rows carry out: removed in the same transaction, and nothing is written if it is gone already. */
  readonly command?: number;
  /** The output of the attempt whose end the rows record, saved in the same transaction. */
  readonly output?: AttemptOutput;
}

/** The runner's lease that an append is fenced by: written only while `owner` still holds `token`. */
export interface AppendFence {
  readonly key: string;
  readonly owner: string;
  readonly token: number;
}

/** The table that holds the runner leases (`runner-lease.ts`), in the store's own database. */
export const RUNNER_LEASE_TABLE = 'dag_runner_leases';

export interface DagStore {
  /** Where it is, for messages (passwords masked). */
  readonly description: string;
  /**
   * Appends a row. With `fence`, atomically and only while that lease is still held and unexpired:
   * false (nothing written) when it is not, so a runner that lost its lease (paused past it) can
   * never write over the runner that took the pipeline over.
   */
  append(entry: RunLogEntry, fence?: AppendFence): Promise<boolean>;
  /**
   * Appends `entries` in one transaction, all of them or none, and in it removes `options.command`
   * (a command is carried out whole or not at all) and saves `options.output` (an attempt's end and
   * its output go together). False (nothing written) when the fence's lease is gone or the command
   * was removed already (another runner carried it out).
   */
  commit(entries: readonly RunLogEntry[], options?: CommitOptions): Promise<boolean>;
  /** The lock backend over the store's own database that keeps one runner per pipeline. */
  readonly runnerLock: LockBackend;
  /**
   * Ends `owner`'s hold on the runner lease `key` at once (it lapses now), for a runner that knows
   * the holder is dead; false when `owner` no longer held it. The next acquisition bumps the token,
   * so the dead holder's fence is void either way.
   */
  breakLease(key: string, owner: string): Promise<boolean>;
  /** Who holds the runner lease `key` and until when (ms by the store's clock), if anyone. */
  leaseHolder(key: string): Promise<{ readonly owner: string; readonly expiresAtMs: number } | undefined>;
  /** Every row of `pipeline`, oldest first. */
  entries(pipeline: string): Promise<RunLogEntry[]>;
  enqueue(command: PipelineCommand): Promise<void>;
  /** The pending commands of `pipeline`, oldest first. Each stays until a `commit` carries it out. */
  pending(pipeline: string): Promise<PendingCommand[]>;
  /** The saved outputs of `job` of `pipeline`, oldest first. */
  outputs(pipeline: string, job: string): Promise<AttemptOutput[]>;
  close(): Promise<void>;
}

/** The newest row of each job of `entries`, in the newest run. */
export function latestByJob(entries: readonly RunLogEntry[]): Map<string, RunLogEntry> {
  const run = currentRun(entries);
  const latest = new Map<string, RunLogEntry>();
  for (const entry of entries) if ((entry.run ?? 1) === run) latest.set(entry.jobKey, entry);
  return latest;
}

/** The newest run in `entries` (1 when there is none yet). */
export function currentRun(entries: readonly RunLogEntry[]): number {
  let run = 1;
  for (const entry of entries) run = Math.max(run, entry.run ?? 1);
  return run;
}

/** The row shape both drivers return (PostgreSQL returns BIGINT as a string). */
export interface RunLogRow {
  readonly pipeline: string;
  readonly job_key: string;
  readonly attempt: number | string;
  readonly status: string;
  readonly exec_time: number | string;
  readonly amount_of_data: number | string;
  readonly timestamp: number | string;
  readonly execution?: string | null;
  readonly runner?: string | null;
  readonly run_id?: number | string | null;
}

export function entryFromRow(row: RunLogRow): RunLogEntry {
  return {
    pipeline: row.pipeline,
    jobKey: row.job_key,
    attempt: Number(row.attempt),
    status: row.status as RunStatus,
    execTimeMs: Number(row.exec_time),
    amountOfDataBytes: Number(row.amount_of_data),
    timestampMs: Number(row.timestamp),
    ...(row.execution === null || row.execution === undefined ? {} : { execution: row.execution }),
    ...(row.runner === null || row.runner === undefined ? {} : { runner: row.runner }),
    ...(row.run_id === null || row.run_id === undefined ? {} : { run: Number(row.run_id) }),
  };
}

/** The row shape of `dag_attempt_output`. */
export interface AttemptOutputRow {
  readonly pipeline: string;
  readonly run_id: number | string;
  readonly job_key: string;
  readonly attempt: number | string;
  readonly output: string;
  readonly truncated: number | string | boolean;
}

export function attemptOutputFromRow(row: AttemptOutputRow): AttemptOutput {
  return {
    pipeline: row.pipeline,
    run: Number(row.run_id),
    jobKey: row.job_key,
    attempt: Number(row.attempt),
    output: row.output,
    truncated: row.truncated === true || Number(row.truncated) === 1,
  };
}

/** The columns added after the first release; a store opened on an older database adds them. */
export const ADDED_RUN_LOG_COLUMNS = ['execution', 'runner', 'run_id'] as const;

export interface CommandRow {
  readonly id: number | string;
  readonly pipeline: string;
  readonly action: string;
  readonly job_key: string | null;
}

export function commandsFromRows(rows: readonly CommandRow[]): PendingCommand[] {
  return [...rows]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((row) => ({ id: Number(row.id), pipeline: row.pipeline, action: row.action as CommandAction, jobKey: row.job_key }));
}
