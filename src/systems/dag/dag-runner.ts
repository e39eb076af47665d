/**
 * The DAG runner: runs a pipeline's jobs in parallel whenever their dependencies allow.
 *
 * Rules, each enforced in `pump()` and nowhere else:
 * - a job starts only when every upstream job has succeeded, and not before its start time (a job
 *   whose time has come still waits for its upstream jobs);
 * - a failed attempt is retried while the job has retries left; then the job has failed, everything
 *   downstream is blocked, and a `job-failed` notification names what it blocks;
 * - restarting a failed job gives it all its retries back; once it succeeds, the jobs it blocked
 *   run by themselves;
 * - an attempt that runs longer than `maxRuntimeMs`, prints more than `maxOutputBytes` or generates
 *   more data than `maxData` raises one alert of each kind (the job keeps running: a warning);
 * - an attempt still running after `killAfterMs` is killed (its process group) and counts as a
 *   failed attempt, whatever its exit status;
 * - at most `maxParallel` of the pipeline's jobs run at once;
 * - an attempt succeeds only when its job exited 0 by itself, within its `killAfterMs`, leaving no
 *   process it started running (the success rule: `ExitStatus.leftRunning` fails it);
 * - the data an attempt generated is what it reported (`SIMRUN_DATA amount=N`, `data-report.ts`),
 *   else the bytes it printed;
 * - every attempt that succeeds is notified (`job-succeeded`) as every failure is;
 * - a `rerun` command (`dag restart JOB --force`) runs a job that succeeded again, and every job
 *   downstream of it (one running then runs again once its attempt ends); `newRun` starts the pipeline over as the next run (`dag run --new-run`).
 *
 * Every change of a job's state is written to the store before it takes effect outside the runner,
 * and a runner that starts rebuilds its state from the store (`job-state.ts`): a job that was
 * running when the last runner died runs again, once the process group the run log recorded for it
 * has been ended (`orphans.ts`). With a `fence` (the runner lease, `runner-lease.ts`) every row is
 * written only while this runner still holds the pipeline; once a write is refused the runner ends
 * its jobs and gives up (`DagLeaseLostError`).
 *
 * Stopping the runner (`run({ stop })`, SIGTERM or SIGINT in real mode) takes no more work, ends the
 * running attempts (their whole process groups), records them as `interrupted` so the next runner
 * runs them again, and returns within `stopTimeoutMs`. Commands from other processes (`simrun dag
 * restart`) arrive through the store; the runner reads them every `commandPollMs`. A command is
 * carried out whole or not at all: the rows it comes to are written, and the command removed, in one
 * transaction (`DagStore.commit`), and no job starts on what it changed before that lands. A runner
 * that dies on the way leaves the command for the next one, never half applied (a rerun that reset
 * a job and not the jobs downstream of it) nor lost.
 *
 * Durations are measured with `env.now()`, a wall clock: a clock step during an attempt distorts
 * that attempt's measured runtime (the `Env` has no monotonic clock yet).
 */
import type { Env } from '../../env/env.js';
import { describeExit, succeeded, type Execution, type Executor, type ExitStatus, type OutputChunk } from '../job-runner/executor.js';
import { resumeFromLog, type JobPhase, type ResumedJob } from './job-state.js';
import type { Notification, NotificationKind, Notifier } from './notifier.js';
import { topologicalOrder, transitiveDownstream, type JobDefinition, type Pipeline } from './pipeline.js';
import { currentRun, MAX_SAVED_OUTPUT_BYTES, type AppendFence, type AttemptOutput, type DagStore, type PipelineCommand, type RunLogEntry, type RunStatus } from './run-log.js';
import { DataReportReader } from './data-report.js';
import { emitDag, type AttemptOutcome } from './events.js';
import { NO_ORPHANS, type OrphanReaper } from './orphans.js';

/**
 * The scheduling decisions, each a small rule, so that a deliberately broken variant (`mutants.ts`)
 * can replace one of them without a branch on its name in here. `CORRECT_DAG_RULES` is what ships.
 */
export interface DagRules {
  /** Whether an upstream job in `phase` lets the jobs downstream of it start. */
  upstreamDone(phase: JobPhase): boolean;
  /** Whether an upstream job in `phase` blocks the jobs downstream of it. */
  upstreamBlocks(phase: JobPhase): boolean;
  /** Whether `job` waits for its upstream jobs at all (it always waits for its start time). */
  waitsForUpstream(job: JobDefinition): boolean;
  /** Whether a blocked job whose upstream jobs no longer block it waits to run again. */
  unblocks(job: JobDefinition): boolean;
  /** Whether a waiting job whose upstream job failed for good (or is blocked) is marked blocked (rather than left waiting). */
  marksBlocked(): boolean;
  /** The runtime limit the monitor enforces, ms, from a job's `max_runtime_ms`. */
  runtimeLimitMs(maxRuntimeMs: number): number;
  /** Whether a runner takes the pipeline's lease before it runs it (`runner-lease.ts`). */
  takesRunnerLease(): boolean;
  /** Whether a runner ends the process group of an attempt a dead runner left running before it runs the job again. */
  reapsOrphans(): boolean;
  /** Whether a runner that is stopped ends its running attempts (rather than leaving them running). */
  endsJobsOnStop(): boolean;
  /** How many jobs may run at once, from the pipeline's `max_parallel` (undefined: no limit). */
  parallelLimit(maxParallel: number | undefined): number;
  /** Whether an attempt still running at its `kill_after_ms` is killed (rather than left to run). */
  killsAtLimit(): boolean;
  /** Whether the runtime monitor kills an attempt the moment it reaches `kill_after_ms` (else it is only failed once it ends). */
  monitorKillsAtLimit(): boolean;
  /** Whether an operator's stop kills a running attempt (its attempt ends `stopped` either way, once it exits). */
  stopKillsAttempt(): boolean;
  /** Whether each run-log row is written under the runner's lease (the store refuses it once the lease is gone). */
  fencesWrites(): boolean;
  /** The data an attempt generated, from the amount it reported (undefined: none) and the bytes it printed. */
  dataAmount(reported: number | undefined, bytes: number): number;
  /** Whether a shell that exited 0 while processes it started still ran fails its attempt (the success rule). */
  leftRunningFails(): boolean;
  /** Whether rerunning a job reruns every job downstream of it too. */
  rerunsDownstream(): boolean;
  /** Whether a new run (`newRun`) starts every job afresh (rather than carrying on the last run's results). */
  freshNewRun(): boolean;
  /** How long the schedule's wait sleeps when its tick is `leftMs` away (`scheduled-runs.ts`). */
  tickWaitMs(leftMs: number): number;
  /** Whether a job's command is started held, to run only once the run-log row naming its process group is written. */
  holdsStart(): boolean;
  /** Whether an operator's command is carried out in one commit with its rows (rather than taken first, its rows written one by one). */
  commitsCommandsWhole(): boolean;
}

/** Why the runner's waits end early: its state changed (see `signalChange`). */
const STATE_CHANGED = new Error('the runner state changed');

/** Rules replaced by a deliberately broken variant; every rule not named stays correct. */
export type DagFlaws = Partial<DagRules>;

export const CORRECT_DAG_RULES: DagRules = {
  upstreamDone: (phase) => phase === 'succeeded',
  upstreamBlocks: (phase) => phase === 'blocked' || phase === 'failed',
  waitsForUpstream: () => true,
  unblocks: () => true,
  marksBlocked: () => true,
  runtimeLimitMs: (maxRuntimeMs) => maxRuntimeMs,
  takesRunnerLease: () => true,
  reapsOrphans: () => true,
  endsJobsOnStop: () => true,
  parallelLimit: (maxParallel) => maxParallel ?? Number.POSITIVE_INFINITY,
  killsAtLimit: () => true,
  monitorKillsAtLimit: () => true,
  stopKillsAttempt: () => true,
  fencesWrites: () => true,
  dataAmount: (reported, bytes) => reported ?? bytes,
  leftRunningFails: () => true,
  rerunsDownstream: () => true,
  freshNewRun: () => true,
  tickWaitMs: (leftMs) => leftMs,
  holdsStart: () => true,
  commitsCommandsWhole: () => true,
};

/** The runner's lease was lost: another runner may have the pipeline now, so this one wrote nothing more. */
export class DagLeaseLostError extends Error {
  constructor(readonly reason: string) {
    super(`lost the pipeline's runner lease (${reason}): stopped its jobs and wrote nothing more`);
    this.name = 'DagLeaseLostError';
  }
}

export interface DagRunnerOptions {
  readonly env: Env;
  readonly pipeline: Pipeline;
  readonly executor: Executor;
  readonly store: DagStore;
  readonly notifier: Notifier;
  /** How often pending commands are taken from the store, ms (default 1 000). */
  readonly commandPollMs?: number;
  /** Receives every job's output as it is produced (real mode prints it). */
  readonly onOutput?: (job: string, chunk: OutputChunk) => void;
  /** Broken rules, for proving the invariants can see their bugs (default: none). */
  readonly flaws?: DagFlaws;
  /** Ends the jobs a dead runner left running (default: none can outlive a runner). */
  readonly reaper?: OrphanReaper;
  /** Who this runner is, recorded with each attempt it launches (default: `env.id`). */
  readonly owner?: string;
  /** The lease every row is written under; without it rows are written unconditionally. */
  readonly fence?: AppendFence;
  /** Start the pipeline over as a new run (a new run id), whatever the last run left. */
  readonly newRun?: boolean;
}

export interface RunOptions {
  /** Keep taking commands after the pipeline has settled, until `stop` aborts. */
  readonly follow?: boolean;
  /** Aborting it stops the runner: no more work, running attempts ended and recorded as interrupted. */
  readonly stop?: AbortSignal;
  /** Aborting it means the lease is gone: running attempts are ended and nothing more is written. */
  readonly leaseLost?: AbortSignal;
  /** How long a stop waits for the running attempts to end, ms (default 10 000). */
  readonly stopTimeoutMs?: number;
}

/** A job as `status()` shows it. */
export interface JobView {
  readonly name: string;
  readonly phase: JobPhase;
  /** Attempts made since the job's last (re)start. */
  readonly attempt: number;
  readonly execution?: string;
  /** The run (run id) this runner carries on. */
  readonly run: number;
}

interface JobState {
  readonly definition: JobDefinition;
  phase: JobPhase;
  attempt: number;
  execution: Execution | undefined;
  startedAtMs: number;
  outputBytes: number;
  runtimeAlerted: boolean;
  outputAlerted: boolean;
  dataAlerted: boolean;
  /** The running attempt reached its `killAfterMs` and was killed: it fails, whatever its exit. */
  killedAtLimit: boolean;
  /** The running attempt's data reports (`SIMRUN_DATA amount=N`). */
  dataReports: DataReportReader;
  /** The running attempt's output so far, to be saved when it ends (at most `MAX_SAVED_OUTPUT_BYTES`). */
  savedOutput: string[];
  savedBytes: number;
  outputTruncated: boolean;
  /** An operator stopped it while it was being launched or running; its attempt ends as stopped. */
  stopRequested: boolean;
  /** The runner is stopping while its attempt runs: the attempt ends as interrupted. */
  interruptedByStop: boolean;
  /** Cancels the wait for its start time, while there is one. */
  startTimeWait: AbortController | undefined;
  /** Cancels the runtime monitor of the running attempt. */
  runtimeMonitor: AbortController | undefined;
  /** A rerun came while its attempt ran: once that attempt ends (unless stopped), the job waits to run again with all its retries. */
  rerunWhenDone: boolean;
  /** The running attempt's execution is named in the run log (the runner that dies from here on leaves a row the next one reaps it by). */
  executionInLog: boolean;
}

export class DagRunner {
  private readonly env: Env;
  private readonly pipeline: Pipeline;
  private readonly jobs = new Map<string, JobState>();
  /** Jobs in an order where each comes after its upstream jobs. */
  private readonly order: readonly JobDefinition[];
  private readonly commandPollMs: number;
  private readonly rules: DagRules;
  /** Launches and attempt endings in progress: state is changing, so the run is not idle. */
  private busy = 0;
  /** Commands being committed: no job starts on a change that is not in the store yet. */
  private committing = 0;
  /** The end of the last serial section begun (`serially`). */
  private sections: Promise<void> = Promise.resolve();
  private active = false;
  private fatal: unknown;
  /** Aborted at every change of state, to wake the waits below; made when a wait first needs it. */
  private changed: AbortController | undefined;
  private readonly owner: string;
  /** The run this runner carries on (or started, with `newRun`). */
  private runId = 1;

  private constructor(private readonly options: DagRunnerOptions) {
    this.env = options.env;
    this.pipeline = options.pipeline;
    this.order = topologicalOrder(options.pipeline);
    this.commandPollMs = options.commandPollMs ?? 1_000;
    this.rules = { ...CORRECT_DAG_RULES, ...options.flaws };
    this.owner = options.owner ?? options.env.id;
  }

  /** A runner for `options.pipeline`, each job where the store's run log left it. */
  static async open(options: DagRunnerOptions): Promise<DagRunner> {
    const runner = new DagRunner(options);
    const entries = await options.store.entries(options.pipeline.name);
    const lastRun = currentRun(entries);
    // A new run starts every job afresh; orphans of the last run are still ended first.
    runner.runId = options.newRun === true && entries.length > 0 ? lastRun + 1 : lastRun;
    const rules = { ...CORRECT_DAG_RULES, ...options.flaws };
    const resumed = resumeFromLog(options.pipeline, entries);
    const fresh = options.newRun === true && rules.freshNewRun() ? resumeFromLog(options.pipeline, []) : resumed;
    emitDag(options.env, {
      kind: 'dag.open',
      data: {
        pipeline: options.pipeline.name,
        jobs: options.pipeline.jobs.map((job) => ({
          name: job.name,
          dependsOn: job.dependsOn,
          ...(job.startAtMs === undefined ? {} : { startAtMs: job.startAtMs }),
          ...(job.maxRuntimeMs === undefined ? {} : { maxRuntimeMs: job.maxRuntimeMs }),
          ...(job.maxOutputBytes === undefined ? {} : { maxOutputBytes: job.maxOutputBytes }),
          ...(job.killAfterMs === undefined ? {} : { killAfterMs: job.killAfterMs }),
          ...(job.maxData === undefined ? {} : { maxData: job.maxData }),
          retries: job.retries,
        })),
        ...(options.pipeline.maxParallel === undefined ? {} : { maxParallel: options.pipeline.maxParallel }),
        ...(options.newRun === true ? { run: runner.runId } : {}),
      },
    });
    for (const definition of options.pipeline.jobs) {
      const state = resumed.get(definition.name) as ResumedJob;
      if (state.interrupted) emitDag(options.env, { kind: 'dag.job.interrupted', data: { job: definition.name, attempt: state.attempt + 1 } });
      // Its attempt may still be running in a process group its dead runner left behind: end it first.
      if (state.orphan !== undefined && rules.reapsOrphans()) {
        const { execution, runner: owner } = state.orphan;
        const outcome = await (options.reaper ?? NO_ORPHANS).reap({ job: definition.name, command: definition.command, execution, runner: owner });
        emitDag(options.env, { kind: 'dag.job.orphan', data: { job: definition.name, execution, runner: owner ?? null, outcome } });
      }
      const phase = (fresh.get(definition.name) as ResumedJob).phase;
      const attempt = (fresh.get(definition.name) as ResumedJob).attempt;
      runner.jobs.set(definition.name, {
        definition,
        phase,
        attempt,
        execution: undefined,
        startedAtMs: 0,
        outputBytes: 0,
        runtimeAlerted: false,
        outputAlerted: false,
        dataAlerted: false,
        killedAtLimit: false,
        dataReports: new DataReportReader(),
        savedOutput: [],
        savedBytes: 0,
        outputTruncated: false,
        stopRequested: false,
        interruptedByStop: false,
        startTimeWait: undefined,
        runtimeMonitor: undefined,
        rerunWhenDone: false,
        executionInLog: false,
      });
    }
    // The new run is on record, whole, before anything runs in it.
    if (options.newRun === true) await runner.commit([...runner.jobs.values()].map((job) => ({ job, status: 'restarted' as const })));
    return runner;
  }

  /**
   * Runs the pipeline. Without `follow` it resolves once nothing more can happen by itself (every job
   * done, failed, stopped or blocked); with `follow` it keeps taking commands until the process ends.
   * Rejects when the store fails.
   */
  async run(options: RunOptions = {}): Promise<JobView[]> {
    const wake = (): void => this.signalChange();
    options.stop?.addEventListener('abort', wake, { once: true });
    options.leaseLost?.addEventListener('abort', wake, { once: true });
    try {
      this.active = true;
      // Jobs that came back waiting behind a failure are blocked before the first store call, not after it.
      this.markBlocked();
      // Commands queued while no runner was up (`simrun dag restart` between two runs) come first.
      if (!options.stop?.aborted) await this.takeCommands();
      this.pump();
      for (;;) {
        if (options.leaseLost?.aborted && this.fatal === undefined) this.fatal = new DagLeaseLostError(String((options.leaseLost.reason as Error)?.message ?? 'lost'));
        if (this.fatal !== undefined) {
          this.abandon(this.fatal);
          throw this.fatal;
        }
        if (options.stop?.aborted) return await this.shutDown(options.stopTimeoutMs ?? 10_000);
        if (!options.follow && this.idle()) return this.status();
        const signal = this.changedSignal();
        await this.env.sleep(this.commandPollMs, signal).catch(() => undefined);
        if (options.stop?.aborted || options.leaseLost?.aborted) continue;
        await this.takeCommands();
      }
    } finally {
      options.stop?.removeEventListener('abort', wake);
      options.leaseLost?.removeEventListener('abort', wake);
    }
  }

  /**
   * Carries out the pending commands, oldest first, each committed before the next; a failure (the
   * store, a lost lease) ends the run at the top of its loop, and what was not committed stays
   * pending for whoever has the pipeline.
   */
  private async takeCommands(): Promise<void> {
    try {
      for (const command of await this.options.store.pending(this.pipeline.name)) await this.apply(command, command.id);
    } catch (error) {
      this.fatal ??= error;
    }
  }

  /**
   * Stops taking work and ends every running attempt (its whole process group: the executor signals
   * the group, SIGTERM and then SIGKILL); each ends as `interrupted`. Waits at most `timeoutMs` for
   * them to end, then returns whatever is still unfinished.
   */
  private async shutDown(timeoutMs: number): Promise<JobView[]> {
    this.active = false;
    const running = [...this.jobs.values()].filter((job) => job.phase === 'running');
    emitDag(this.env, { kind: 'dag.runner.stopping', data: { running: running.map((job) => job.definition.name) } });
    for (const job of this.jobs.values()) job.startTimeWait?.abort();
    if (this.rules.endsJobsOnStop()) {
      for (const job of running) {
        job.interruptedByStop = true;
        job.execution?.kill();
      }
      const deadline = this.env.now() + timeoutMs;
      while (this.busy > 0 || [...this.jobs.values()].some((job) => job.phase === 'running')) {
        const leftMs = deadline - this.env.now();
        if (leftMs <= 0 || this.fatal !== undefined) break;
        const signal = this.changedSignal();
        await this.env.sleep(Math.min(leftMs, this.commandPollMs), signal).catch(() => undefined);
      }
    }
    const unfinished = [...this.jobs.values()].filter((job) => job.phase === 'running').map((job) => job.definition.name);
    emitDag(this.env, { kind: 'dag.runner.stopped', data: { unfinished } });
    return this.status();
  }

  /** The lease is gone (or the store failed): end every running attempt and write nothing more. */
  private abandon(reason: unknown): void {
    this.active = false;
    if (reason instanceof DagLeaseLostError) emitDag(this.env, { kind: 'dag.runner.lease-lost', data: { reason: reason.reason } });
    for (const job of this.jobs.values()) {
      job.startTimeWait?.abort();
      job.runtimeMonitor?.abort();
      job.execution?.kill();
    }
  }

  /** Every job, in definition order. */
  status(): JobView[] {
    return this.pipeline.jobs.map((definition) => {
      const job = this.jobs.get(definition.name) as JobState;
      return { name: definition.name, phase: job.phase, attempt: job.attempt, ...(job.execution === undefined ? {} : { execution: job.execution.id }), run: this.runId };
    });
  }

  /**
   * Carries out one operator command: changes the jobs it names, then writes the rows that come to
   * and removes the command (`commandId`, when it came from the store) in one commit. No job starts
   * until that commit has landed.
   */
  async apply(command: PipelineCommand, commandId?: number): Promise<void> {
    emitDag(this.env, { kind: 'dag.command', data: { action: command.action, job: command.jobKey } });
    const name = command.jobKey ?? undefined;
    this.committing += 1;
    try {
      await this.serially(async () => {
        if (command.action === 'stop') await this.commitCommand(this.stopJobs(name), commandId);
        else if (command.action === 'rerun') {
          const rerun = this.rerunJobs(name);
          await this.commitCommand(rerun.rows, commandId);
          emitDag(this.env, { kind: 'dag.rerun', data: { job: name ?? null, reset: rerun.reset, afterAttempt: rerun.afterAttempt } });
        } else await this.commitCommand(this.startJobs(name), commandId);
      });
    } finally {
      this.committing -= 1;
    }
    this.pump();
  }

  /**
   * Runs `section` once every section begun before it has ended. Carrying out a command and ending
   * an attempt are such sections: each reads jobs' state, changes it and commits the rows that come
   * to, and one must not read what the other has changed but not yet committed (a rerun that found a
   * job still running after its end was written, but before it was reported, was lost).
   */
  private async serially(section: () => Promise<void>): Promise<void> {
    const before = this.sections;
    let ended!: () => void;
    this.sections = new Promise<void>((resolve) => (ended = resolve));
    try {
      await before;
      await section();
    } finally {
      ended();
    }
  }

  /** Stops one job, or every job: a running attempt is killed and ends as stopped; a waiting job will not start. */
  stop(name?: string): Promise<void> {
    return this.apply({ pipeline: this.pipeline.name, action: 'stop', jobKey: name ?? null });
  }

  /**
   * (Re)starts one job, or every job, that failed or was stopped: it waits for its upstream jobs
   * again, with all its retries. Starting a job that is waiting, running or done changes nothing.
   */
  start(name?: string): Promise<void> {
    return this.apply({ pipeline: this.pipeline.name, action: 'start', jobKey: name ?? null });
  }

  /**
   * Runs a job again even though it succeeded, and every job downstream of it (or, without a name,
   * every job): each one that is done (succeeded, failed or stopped) waits again with all its
   * retries; one that is running finishes its attempt first and then runs again, whatever that attempt
   * came to (it may have read what the rerun replaces), unless it was stopped. Downstream jobs wait for it as ever.
   */
  rerun(name?: string): Promise<void> {
    return this.apply({ pipeline: this.pipeline.name, action: 'rerun', jobKey: name ?? null });
  }

  /**
   * A stop's changes, and its rows: every job is stopped (a running attempt killed) before any row is
   * written, so a slow store delays no kill. A running attempt whose execution the log names is
   * recorded stopped at once, naming it, so that a runner that dies before the attempt ends leaves
   * the job stopped and the next one ends that execution; its own end writes the row that closes it.
   */
  private stopJobs(name: string | undefined): PendingRow[] {
    const rows: PendingRow[] = [];
    for (const job of this.targets(name)) {
      if (job.phase === 'running') {
        job.stopRequested = true;
        if (this.rules.stopKillsAttempt()) job.execution?.kill();
        if (job.executionInLog && job.execution !== undefined) rows.push({ job, status: 'stopped', execution: job.execution.id });
      } else if (job.phase === 'waiting' || job.phase === 'blocked') {
        job.startTimeWait?.abort();
        job.phase = 'stopped';
        emitDag(this.env, { kind: 'dag.job.stopped', data: { job: job.definition.name } });
        rows.push({ job, status: 'stopped' });
      }
    }
    this.signalChange();
    return rows;
  }

  /** A start's changes, and its rows. */
  private startJobs(name: string | undefined): PendingRow[] {
    const rows: PendingRow[] = [];
    for (const job of this.targets(name)) {
      if (job.phase !== 'failed' && job.phase !== 'stopped') continue;
      job.phase = 'waiting';
      job.attempt = 0;
      emitDag(this.env, { kind: 'dag.job.restarted', data: { job: job.definition.name } });
      rows.push({ job, status: 'restarted' });
    }
    this.markBlocked();
    return rows;
  }

  /** A rerun's changes, and its rows. */
  private rerunJobs(name: string | undefined): { rows: PendingRow[]; reset: string[]; afterAttempt: string[] } {
    const targets = this.targets(name);
    const chosen = new Set(targets.map((job) => job.definition.name));
    if (name !== undefined && targets.length > 0 && this.rules.rerunsDownstream()) for (const downstream of transitiveDownstream(this.pipeline, name)) chosen.add(downstream);
    const rows: PendingRow[] = [];
    const reset: string[] = [];
    const afterAttempt: string[] = [];
    for (const definition of this.order) {
      const job = this.jobs.get(definition.name) as JobState;
      if (!chosen.has(definition.name)) continue;
      if (job.phase === 'running') {
        // Its running attempt may have read what the rerun replaces: it runs again once that attempt ends.
        job.rerunWhenDone = true;
        afterAttempt.push(definition.name);
        continue;
      }
      if (job.phase !== 'succeeded' && job.phase !== 'failed' && job.phase !== 'stopped') continue;
      job.phase = 'waiting';
      job.attempt = 0;
      reset.push(definition.name);
      emitDag(this.env, { kind: 'dag.job.restarted', data: { job: definition.name } });
      rows.push({ job, status: 'restarted' });
    }
    this.markBlocked();
    return { rows, reset, afterAttempt };
  }

  /** Same as `start(name)`: the word for a failed job. */
  restart(name: string): Promise<void> {
    return this.start(name);
  }

  private targets(name: string | undefined): JobState[] {
    if (name === undefined) return [...this.jobs.values()];
    const job = this.jobs.get(name);
    if (job === undefined) {
      emitDag(this.env, { kind: 'dag.command.unknown-job', data: { job: name } });
      return [];
    }
    return [job];
  }

  private idle(): boolean {
    if (this.busy > 0) return false;
    for (const job of this.jobs.values()) if (job.phase === 'running' || job.startTimeWait !== undefined) return false;
    return true;
  }

  private signalChange(): void {
    // One shared reason: `abort()` without one builds a DOMException with a stack trace each time,
    // and a runner signals a change at every step of every job. The waits woken here ignore it.
    this.changed?.abort(STATE_CHANGED);
    this.changed = undefined;
  }

  /** The signal the next change aborts. */
  private changedSignal(): AbortSignal {
    this.changed ??= new AbortController();
    return this.changed.signal;
  }

  // ---- scheduling ---------------------------------------------------------------------------

  /** Blocks and unblocks, then starts every job whose upstream jobs and start time allow it. */
  private pump(): void {
    // A command being committed pumps once it has landed.
    if (!this.active || this.committing > 0) return;
    this.updateBlocked();
    const now = this.env.now();
    const limit = this.rules.parallelLimit(this.pipeline.maxParallel);
    let running = [...this.jobs.values()].filter((job) => job.phase === 'running').length;
    for (const definition of this.order) {
      const job = this.jobs.get(definition.name) as JobState;
      if (job.phase !== 'waiting') continue;
      const startAtMs = definition.startAtMs;
      const timeHasCome = startAtMs === undefined || now >= startAtMs;
      if (this.rules.waitsForUpstream(definition) && !this.upstreamDone(definition)) continue;
      if (!timeHasCome) this.waitForStartTime(job, startAtMs as number);
      // Full: the job waits; the next attempt to end pumps again, in the same order.
      else if (running < limit) {
        running += 1;
        void this.launch(job);
      }
    }
    this.signalChange();
  }

  private upstreamDone(definition: JobDefinition): boolean {
    return definition.dependsOn.every((upstream) => {
      const phase = (this.jobs.get(upstream) as JobState).phase;
      return this.rules.upstreamDone(phase);
    });
  }

  /**
   * Blocking at once, in the step that made a job wait again, not only in the pass after its row is
   * written: `dag status` never shows a job waiting that cannot run, however slow the store.
   */
  private markBlocked(): void {
    if (this.active) this.updateBlocked();
  }

  /** A waiting job is blocked while an upstream job has failed for good or is blocked itself. */
  private updateBlocked(): void {
    for (const definition of this.order) {
      const job = this.jobs.get(definition.name) as JobState;
      if (job.phase !== 'waiting' && job.phase !== 'blocked') continue;
      const blocker = definition.dependsOn.find((upstream) => {
        const phase = (this.jobs.get(upstream) as JobState).phase;
        return this.rules.upstreamBlocks(phase);
      });
      if (blocker !== undefined && job.phase === 'waiting' && this.rules.marksBlocked()) {
        job.phase = 'blocked';
        emitDag(this.env, { kind: 'dag.job.blocked', data: { job: definition.name, by: blocker } });
      } else if (blocker === undefined && job.phase === 'blocked' && this.rules.unblocks(definition)) {
        job.phase = 'waiting';
        emitDag(this.env, { kind: 'dag.job.unblocked', data: { job: definition.name } });
      }
    }
  }

  /** Sleeps until the job's start time by this process's clock, re-reading it after each wake (it may have been stepped). */
  private waitForStartTime(job: JobState, startAtMs: number): void {
    if (job.startTimeWait !== undefined) return;
    const controller = new AbortController();
    job.startTimeWait = controller;
    void (async () => {
      try {
        for (let now = this.env.now(); now < startAtMs; now = this.env.now()) await this.env.sleep(startAtMs - now, controller.signal);
      } catch {
        // Stopped while waiting: nothing to start.
      } finally {
        if (job.startTimeWait === controller) job.startTimeWait = undefined;
      }
      if (!controller.signal.aborted) this.pump();
    })();
  }

  // ---- attempts -----------------------------------------------------------------------------

  private async launch(job: JobState): Promise<void> {
    const name = job.definition.name;
    job.phase = 'running';
    job.attempt += 1;
    job.stopRequested = false;
    job.rerunWhenDone = false;
    job.executionInLog = false;
    job.outputBytes = 0;
    job.runtimeAlerted = false;
    job.outputAlerted = false;
    job.dataAlerted = false;
    job.killedAtLimit = false;
    job.dataReports = new DataReportReader();
    job.savedOutput = [];
    job.savedBytes = 0;
    job.outputTruncated = false;
    const attempt = job.attempt;
    this.busy += 1;
    let status: ExitStatus;
    try {
      // Written first: if this runner dies from here on, the next one knows the attempt was interrupted.
      await this.record(job, 'running', 0, 0);
      if (!this.active) {
        // The runner began to stop while the row was being written: the attempt never starts.
        job.phase = 'waiting';
        await this.record(job, 'interrupted', 0, 0);
        return;
      }
      if (job.stopRequested) {
        job.phase = 'stopped';
        emitDag(this.env, { kind: 'dag.job.stopped', data: { job: name } });
        await this.record(job, 'stopped', 0, 0);
        return;
      }
      // Held until its process group is in the run log: a runner killed before that leaves nothing
      // running (the held shell reads end of input and exits), never a job no row names, which the
      // next runner could neither end nor tell from a job that never started.
      const held = this.rules.holdsStart();
      const execution = this.options.executor.start({ command: job.definition.command, onOutput: (chunk) => this.onOutput(job, attempt, chunk), held });
      // Its runtime counts from when its command runs: from here, or from the release of a held start.
      job.startedAtMs = this.env.now();
      job.execution = execution;
      emitDag(this.env, { kind: 'dag.job.start', data: { job: name, attempt, execution: execution.id } });
      // Which process group it runs in, so that if this runner dies the next one can end it.
      await this.record(job, 'running', 0, 0, execution.id);
      job.executionInLog = true;
      execution.release?.();
      if (held) job.startedAtMs = this.env.now();
      this.armRuntimeMonitor(job, attempt);
      this.busy -= 1;
      status = await execution.exited;
      this.busy += 1;
      await this.finishAttempt(job, execution, status);
    } catch (error) {
      this.fatal = error;
    } finally {
      this.busy -= 1;
      this.pump();
    }
  }

  private onOutput(job: JobState, attempt: number, chunk: OutputChunk): void {
    if (job.attempt !== attempt || job.phase !== 'running') return;
    const bytes = Buffer.byteLength(chunk.text);
    job.outputBytes += bytes;
    this.keepOutput(job, chunk.text, bytes);
    this.options.onOutput?.(job.definition.name, chunk);
    const limit = job.definition.maxOutputBytes;
    if (limit !== undefined && job.outputBytes > limit && !job.outputAlerted) {
      job.outputAlerted = true;
      this.alert(job, 'output-exceeded', job.execution?.id ?? '', `printed ${job.outputBytes} bytes, more than its limit of ${limit}`);
    }
    // Reports are judged as they come; a job that reports nothing is judged by its bytes when it ends
    // (judged earlier, a report still to come could not take back an alert its log lines caused).
    if (chunk.stream === 'stdout' && job.dataReports.feed(chunk.text)) this.checkData(job, job.execution?.id ?? '');
  }

  /** Keeps the attempt's output for `dag logs`, up to `MAX_SAVED_OUTPUT_BYTES`. */
  private keepOutput(job: JobState, text: string, bytes: number): void {
    if (job.outputTruncated) return;
    if (job.savedBytes + bytes > MAX_SAVED_OUTPUT_BYTES) {
      job.outputTruncated = true;
      return;
    }
    job.savedOutput.push(text);
    job.savedBytes += bytes;
  }

  /** The amount of data the running attempt generated: what it reported, else its output bytes. */
  private dataAmount(job: JobState): number {
    return this.rules.dataAmount(job.dataReports.amount, job.outputBytes);
  }

  private checkData(job: JobState, execution: string): void {
    const limit = job.definition.maxData;
    const amount = this.dataAmount(job);
    if (limit === undefined || job.dataAlerted || amount <= limit) return;
    job.dataAlerted = true;
    const unit = job.dataReports.amount === undefined ? 'bytes of output (it reports no SIMRUN_DATA amount)' : 'as it reported';
    this.alert(job, 'data-exceeded', execution, `generated ${amount} ${unit}, more than its max_data of ${limit}`);
  }

  /** The limit the runtime monitor enforces, ms, if the job has one. */
  private runtimeLimitMs(job: JobState): number | undefined {
    const limit = job.definition.maxRuntimeMs;
    return limit === undefined ? undefined : this.rules.runtimeLimitMs(limit);
  }

  private armRuntimeMonitor(job: JobState, attempt: number): void {
    const limitMs = this.runtimeLimitMs(job);
    const killAfterMs = job.definition.killAfterMs;
    if (limitMs === undefined && killAfterMs === undefined) return;
    const controller = new AbortController();
    job.runtimeMonitor = controller;
    if (killAfterMs !== undefined && this.rules.killsAtLimit() && this.rules.monitorKillsAtLimit()) {
      // At the limit, not past it: "killed after N ms" means it had N ms.
      this.env.sleep(killAfterMs, controller.signal).then(
        () => {
          if (job.attempt !== attempt || job.phase !== 'running' || job.killedAtLimit || job.execution === undefined) return;
          job.killedAtLimit = true;
          this.alert(job, 'runtime-killed', job.execution.id, `killed after ${this.env.now() - job.startedAtMs} ms: its kill_after_ms is ${killAfterMs}`);
          job.execution.kill();
        },
        () => undefined,
      );
    }
    if (limitMs === undefined) return;
    // Waking 1 ms past the limit makes "still running" mean "ran longer than the limit".
    this.env.sleep(limitMs + 1, controller.signal).then(
      () => {
        if (job.attempt !== attempt || job.phase !== 'running' || job.runtimeAlerted) return;
        job.runtimeAlerted = true;
        this.alert(job, 'runtime-exceeded', job.execution?.id ?? '', `still running after ${this.env.now() - job.startedAtMs} ms, longer than its limit of ${job.definition.maxRuntimeMs} ms`);
      },
      () => undefined,
    );
  }

  private async finishAttempt(job: JobState, execution: Execution, exit: ExitStatus): Promise<void> {
    job.runtimeMonitor?.abort();
    job.runtimeMonitor = undefined;
    job.execution = undefined;
    // Abandoned (the lease is lost): the attempt was ended by this runner, not by the job; nothing
    // about it is true enough to report, and whoever holds the pipeline now runs it again.
    if (this.fatal !== undefined) {
      job.phase = 'waiting';
      return;
    }
    const name = job.definition.name;
    const execTimeMs = this.env.now() - job.startedAtMs;
    const limitMs = this.runtimeLimitMs(job);
    // An attempt that ends at the very instant its monitor was due is over the limit all the same.
    if (limitMs !== undefined && execTimeMs > limitMs && !job.runtimeAlerted) {
      job.runtimeAlerted = true;
      this.alert(job, 'runtime-exceeded', execution.id, `ran ${execTimeMs} ms, longer than its limit of ${job.definition.maxRuntimeMs} ms`);
    }
    job.dataReports.end();
    this.checkData(job, execution.id);
    // Past its hard limit by the time it ended (the monitor woke late: a paused runner): it fails all the same.
    const killAfterMs = job.definition.killAfterMs;
    if (killAfterMs !== undefined && execTimeMs > killAfterMs && this.rules.killsAtLimit()) job.killedAtLimit = true;
    // Its end is one serial section (see `serially`): a command carried out meanwhile either came
    // before it (a rerun flagged it, a stop asked for it) or comes after it has ended.
    await this.serially(async () => {
      if (this.fatal !== undefined) {
        job.phase = 'waiting';
        return;
      }
      let outcome: AttemptOutcome;
      if (job.stopRequested) outcome = 'stopped';
      // Killed at its hard limit: a failed attempt even if the job caught SIGTERM and exited 0.
      // The success rule: exit 0 with a child left running in its process group is not a success either.
      else if (succeeded(exit) && !job.killedAtLimit && !(exit.leftRunning === true && this.rules.leftRunningFails())) outcome = 'succeeded';
      else if (job.interruptedByStop) outcome = 'interrupted';
      else if (job.attempt <= job.definition.retries) outcome = 'retrying';
      else outcome = 'failed';
      job.interruptedByStop = false;
      // Recorded first: a runner whose lease is gone (the write is refused) must not report an outcome.
      // The job stays running until its end and output are written, in one commit: no job downstream
      // of it starts on a success, nor is blocked by a failure, that the run log does not hold yet (a
      // runner killed meanwhile leaves the attempt interrupted, to run again).
      const amount = this.dataAmount(job);
      // A rerun came while this attempt ran on what the rerun replaces: whatever it came to, the job
      // runs again, and the row that says so goes with the attempt's end (else a runner that dies
      // between the two leaves the attempt's success standing and the rerun lost).
      const rerun = job.rerunWhenDone && (outcome === 'succeeded' || outcome === 'failed' || outcome === 'retrying');
      const ending: PendingRow = { job, status: outcome, execTimeMs, amountOfDataBytes: amount };
      const output = { pipeline: this.pipeline.name, run: this.runId, jobKey: name, attempt: job.attempt, output: job.savedOutput.join(''), truncated: job.outputTruncated };
      await this.commit(rerun ? [ending, { job, status: 'restarted', attempt: 0 }] : [ending], undefined, output);
      job.executionInLog = false;
      job.savedOutput = [];
      job.phase = outcome === 'retrying' || outcome === 'interrupted' ? 'waiting' : outcome;
      emitDag(this.env, { kind: 'dag.job.end', data: { job: name, attempt: job.attempt, execution: execution.id, outcome, exit: describeExit(exit), execTimeMs, bytes: job.outputBytes, ...(rerun ? { rerun: true as const } : {}) } });
      if (outcome === 'succeeded') this.notify({ kind: 'job-succeeded', job, execution: execution.id, message: `succeeded after ${job.attempt} attempt(s) in ${execTimeMs} ms, ${amount} ${job.dataReports.amount === undefined ? 'bytes of output' : 'of data as reported'}` });
      if (outcome === 'failed') {
        const blocked = [...transitiveDownstream(this.pipeline, name)].sort();
        this.notify({
          kind: 'job-failed',
          job,
          execution: execution.id,
          message: `failed (${job.killedAtLimit ? `killed at its kill_after_ms of ${job.definition.killAfterMs}` : describeExit(exit)}) after ${job.attempt} attempt(s)${blocked.length === 0 ? '' : `; blocked until it is restarted: ${blocked.join(', ')}`}`,
          blocked,
        });
      }
      if (rerun) {
        job.rerunWhenDone = false;
        job.phase = 'waiting';
        job.attempt = 0;
        emitDag(this.env, { kind: 'dag.job.restarted', data: { job: name } });
      }
    });
  }

  private alert(job: JobState, kind: NotificationKind, execution: string, message: string): void {
    this.notify({ kind, job, execution, message });
  }

  private notify(what: { kind: NotificationKind; job: JobState; execution: string; message: string; blocked?: readonly string[] }): void {
    const notification: Notification = {
      kind: what.kind,
      pipeline: this.pipeline.name,
      job: what.job.definition.name,
      attempt: what.job.attempt,
      execution: what.execution,
      message: what.message,
      atMs: this.env.now(),
      ...(what.blocked === undefined ? {} : { blocked: what.blocked }),
    };
    emitDag(this.env, { kind: 'dag.notify', data: { kind: notification.kind, job: notification.job, attempt: notification.attempt, execution: notification.execution } });
    // A notifier that fails must not stop the pipeline: say so in the log and carry on.
    this.options.notifier.notify(notification).catch((error: unknown) => emitDag(this.env, { kind: 'dag.notify-failed', data: { kind: notification.kind, job: notification.job, message: String((error as Error)?.message ?? error) } }));
  }

  /** Writes a row, under the lease when there is one; a refused write means the lease is lost. */
  private async record(job: JobState, status: RunStatus, execTimeMs: number, amountOfDataBytes: number, execution?: string): Promise<void> {
    if (this.fatal !== undefined) throw this.fatal;
    const row: PendingRow = { job, status, execTimeMs, amountOfDataBytes, ...(execution === undefined ? {} : { execution }) };
    const written = await this.options.store.append(this.entryOf(row), this.rules.fencesWrites() ? this.options.fence : undefined);
    this.written([row], written);
  }

  /**
   * Writes `rows` in one transaction, removing the store's command `commandId` with them when given:
   * all or nothing, under the lease when there is one; a refused commit means the lease is lost (or
   * another runner carried the command out, which only a runner without the lease could race).
   */
  private async commit(rows: readonly PendingRow[], commandId?: number, output?: AttemptOutput): Promise<void> {
    if (this.fatal !== undefined) throw this.fatal;
    if (rows.length === 0 && commandId === undefined) return;
    const fence = this.rules.fencesWrites() ? this.options.fence : undefined;
    const written = await this.options.store.commit(
      rows.map((row) => this.entryOf(row)),
      { ...(fence === undefined ? {} : { fence }), ...(commandId === undefined ? {} : { command: commandId }), ...(output === undefined ? {} : { output }) },
    );
    this.written(rows, written);
  }

  /** A command's rows and its removal, in one commit (the `command-piecemeal` mutant: removed first, then each row on its own). */
  private async commitCommand(rows: readonly PendingRow[], commandId: number | undefined): Promise<void> {
    if (this.rules.commitsCommandsWhole()) return this.commit(rows, commandId);
    if (commandId !== undefined) await this.commit([], commandId);
    for (const row of rows) await this.commit([row]);
  }

  private entryOf(row: PendingRow): RunLogEntry {
    return {
      pipeline: this.pipeline.name,
      jobKey: row.job.definition.name,
      attempt: row.attempt ?? row.job.attempt,
      status: row.status,
      execTimeMs: row.execTimeMs ?? 0,
      amountOfDataBytes: row.amountOfDataBytes ?? 0,
      timestampMs: this.env.now(),
      ...(row.execution === undefined ? {} : { execution: row.execution }),
      runner: this.owner,
      run: this.runId,
    };
  }

  /** After a write of `rows`: traces each, or, when it was refused, makes the lease lost fatal. */
  private written(rows: readonly PendingRow[], written: boolean): void {
    if (!written) {
      this.fatal ??= new DagLeaseLostError('the store refused a write under it');
      this.signalChange();
      throw this.fatal;
    }
    const fence = this.options.fence;
    for (const row of rows) {
      emitDag(this.env, { kind: 'dag.row', data: { job: row.job.definition.name, status: row.status, attempt: row.attempt ?? row.job.attempt, ...(fence === undefined ? {} : { owner: fence.owner, token: fence.token }) } });
    }
  }
}

/** A row to write about `job`, its attempt the job's own unless given. */
interface PendingRow {
  readonly job: JobState;
  readonly status: RunStatus;
  readonly attempt?: number;
  readonly execTimeMs?: number;
  readonly amountOfDataBytes?: number;
  readonly execution?: string;
}
