/**
 * The job runner: starts jobs now or at a given time, runs at most `concurrencyLimit` at once (the
 * rest wait in a queue, first come first served), stops them, and keeps their output.
 *
 * - `start(job, { at })` queues a job and returns its id; with `at` (ms since the Unix epoch, by
 *   this runner's clock) it does not start before then.
 * - `stop(id)` stops a queued job for good (it never runs) or kills an executing one (its process
 *   group, in real mode); the job ends `stopped`.
 * - `status`, `list`, `output` (whole, or streamed while produced), `settled` (waits for the end).
 *
 * With a `JobStore`, every status change is saved as it happens and the runner outlives its process:
 * a runner opened on the same store recovers the jobs (`recovered`): one that was executing when
 * the last runner died is recorded `failed` with the reason "runner restarted" (its process died
 * with that runner, or is killed by the real server from its records), queued and scheduled ones
 * are queued again and run. Finished jobs leave memory after `retentionMs`; the store still
 * answers for their status and output.
 */
import type { Env } from '../../env/env.js';
import { MAX_TIMER_DELAY_MS } from '../../env/timer-limit.js';
import { describeExit, succeeded, type Execution, type Executor, type ExitStatus, type OutputChunk } from './executor.js';
import { inView, JobOutput, type JobOutputSink, type OutputView } from './job-output.js';
import type { JobStore } from './job-store.js';
import type { JobOutputFiles } from './output-files.js';
import { checkTransition, isTerminal, type JobState } from './lifecycle.js';
import { jobRunnerEvents } from './events.js';
import { mayAct, type Caller } from './access-policy.js';

/**
 * The runner's decisions, each a small rule, so that a deliberately broken variant (`mutants.ts`)
 * can replace one of them without a branch on its name in here. `CORRECT_JOB_RUNNER_RULES` ships.
 */
export interface JobRunnerRules {
  /** Whether another job may start while `executing` jobs run under a limit of `limit`. */
  hasSlot(executing: number, limit: number): boolean;
  /** Resolves once `atMs` has come by `env`'s clock; rejects when `signal` aborts. */
  sleepUntil(env: Env, atMs: number, signal: AbortSignal): Promise<void>;
  /** Whether a job due at `atMs` may start now, asked again when a slot frees (the clock may have stepped back). */
  startTimeHasCome(env: Env, atMs: number): boolean;
  /** What `stop` does to a queued job: ends it at once, or only flags it (as it does an executing one). */
  readonly stopQueued: 'end' | 'flag';
  /** The stop flag a job launches with, given the one it had while queued. */
  stopFlagAtLaunch(flagged: boolean): boolean;
  /** Where a new output stream starts, given how many chunks are already buffered. */
  firstStreamedChunk(buffered: number): number;
  /** What a job recorded in `state` by a runner that died becomes: `undefined` forgets it. */
  recover(state: JobState): JobState | undefined;
  /** Whether a chunk printed on `stream` is part of the output `view` a reader asked for. */
  chunkInView(stream: OutputChunk['stream'], view: OutputView): boolean;
  /** Whether `stop` kills an executing job's process (the job ends `stopped` either way, once it exits). */
  readonly stopKillsExecution: boolean;
  /** Whether `stop` cancels a queued job's wait for its start time (a wake finds the job ended and does nothing). */
  readonly stopCancelsStartWait: boolean;
  /** Whether an execution that ended with `exit` succeeded: the job then ends `completed`. */
  succeeded(exit: ExitStatus): boolean;
  /** Whether `caller` may see and stop a job started by `owner` (the policy of `access-policy.ts`). */
  mayAct(caller: Caller, owner: string | undefined): boolean;
  /** Whether a stored job may be deleted by a prune that keeps what ended at or after `cutoffMs`. */
  prunable(job: JobStatus, cutoffMs: number): boolean;
  /** Whether a job's output files (`outputFiles`) are deleted with its record, at a prune and when a runner opens. */
  readonly discardsOutputWithRecord: boolean;
}

/** The reason a job executing when its runner died is recorded `failed` with. */
export const RUNNER_RESTARTED = 'runner restarted';

/** Rules replaced by a deliberately broken variant; every rule not named stays correct. */
export type JobRunnerFlaws = Partial<JobRunnerRules>;

export const CORRECT_JOB_RUNNER_RULES: JobRunnerRules = {
  hasSlot: (executing, limit) => executing < limit,
  // Re-reads the clock after each wake: it may have been stepped while the runner slept.
  // Sleeps in pieces Node's timers honour: a longer delay would fire after 1 ms (a wake loop).
  async sleepUntil(env, atMs, signal) {
    for (let now = env.now(); now < atMs; now = env.now()) await env.sleep(Math.min(atMs - now, MAX_TIMER_DELAY_MS), signal);
  },
  startTimeHasCome: (env, atMs) => env.now() >= atMs,
  stopQueued: 'end',
  stopFlagAtLaunch: (flagged) => flagged,
  firstStreamedChunk: () => 0,
  recover: (state) => (state === 'executing' ? 'failed' : state),
  chunkInView: inView,
  stopKillsExecution: true,
  stopCancelsStartWait: true,
  succeeded,
  mayAct,
  prunable: (job, cutoffMs) => isTerminal(job.state) && job.endedAtMs !== undefined && job.endedAtMs < cutoffMs,
  discardsOutputWithRecord: true,
};

export interface JobSpec {
  /** The shell command (real mode) or simulated job (simulation). */
  readonly command: string;
  /** Who started it; the remote API lets only its owner see and stop it. */
  readonly owner?: string;
}

export interface StartOptions {
  /** Do not start before this time, ms since the Unix epoch by the runner's clock. */
  readonly at?: number;
  /** A job still executing this long after it started is killed and ends `failed`, ms. */
  readonly timeoutMs?: number;
}

export interface JobStatus {
  readonly id: string;
  readonly command: string;
  readonly owner?: string;
  readonly state: JobState;
  readonly queuedAtMs: number;
  readonly startAtMs?: number;
  readonly startedAtMs?: number;
  readonly endedAtMs?: number;
  /** How it ended, once it has: `exit 0`, `signal SIGTERM`, `not started: spawn E2BIG`. */
  readonly exit?: string;
  readonly exitCode?: number | null;
  /** Why the runner ended it, when it did (`timed out after 3000 ms`, `the server is shutting down`). */
  readonly reason?: string;
  readonly timeoutMs?: number;
}

export interface JobRunnerOptions<O extends JobOutputSink = JobOutput> {
  readonly env: Env;
  readonly executor: Executor;
  /** Jobs executing at once, at most. */
  readonly concurrencyLimit: number;
  /** Broken rules, for proving the invariants can see their bugs (default: none). */
  readonly flaws?: JobRunnerFlaws;
  /** A new job's id (default `job-1`, `job-2`, …; the real server uses random UUIDs). */
  readonly newId?: () => string;
  /**
   * Where a job's output is kept (default: a `JobOutput` in memory, kept in the store when it keeps
   * output; the real server bounds it, spills to disk and persists it). `reopen`: the job has ended
   * and its output is read back from where it was kept (a job recovered, or past its retention).
   */
  readonly createOutput?: (id: string, reopen: boolean) => O;
  /** Saves every job's status as it changes, and recovers the jobs of a runner that died (default: none, jobs live in memory only). */
  readonly store?: JobStore;
  /** A finished job leaves memory this long after it ended, ms; its status and output stay in the store. Needs `store` (default: kept for ever). */
  readonly retentionMs?: number;
  /**
   * An ended job's record (status and output) is deleted from the store this long after it ended,
   * ms, so the store does not grow for ever; checked every tenth of it (at least every minute, at
   * most every hour). Needs a store that can prune (default: records kept for ever).
   */
  readonly keepEndedMs?: number;
  /**
   * Where jobs' output past the store's part lives (the real server's spill files): a job's go with
   * its record when it is pruned, and files whose job the store no longer has are deleted when the
   * runner opens. Needs `store` (default: the output lives with the record, or in memory).
   */
  readonly outputFiles?: JobOutputFiles;
}

/** What recovery did with a job a previous runner left in `was`. */
export interface RecoveredJob {
  readonly id: string;
  readonly was: JobState;
  readonly now: JobState;
}

export class UnknownJob extends Error {
  override readonly name = 'UnknownJob';
  constructor(readonly id: string) {
    super(`no job ${id}`);
  }
}

/** A command the executor cannot run at all: refused before it is accepted, so it never takes a slot. */
export class RefusedCommand extends Error {
  override readonly name: string = 'RefusedCommand';
}

/** Refused because the runner is shutting down: not the command's fault. */
export class RunnerShuttingDown extends RefusedCommand {
  override readonly name = 'RunnerShuttingDown';
  constructor() {
    super('the runner is shutting down');
  }
}

interface Job<O> {
  readonly id: string;
  readonly spec: JobSpec;
  state: JobState;
  readonly queuedAtMs: number;
  readonly startAtMs: number | undefined;
  startedAtMs?: number;
  endedAtMs?: number;
  exit?: ExitStatus;
  execution?: Execution;
  /** Set when an executing job is asked to stop: its end counts as `stopped`, whatever its exit. */
  stopRequested: boolean;
  /** Set when the runner ends an executing job itself (timeout, output limit): its end counts as `failed`. */
  failure?: string;
  /** Why it was stopped, when the runner rather than its owner stopped it. */
  stopReason?: string;
  readonly timeoutMs: number | undefined;
  /** Cancels the wait for a scheduled start, or the timeout of an executing job. */
  startWait?: AbortController;
  timeoutWait?: AbortController;
  readonly output: O;
  readonly settled: Promise<void>;
  settle(): void;
}

export class JobRunner<O extends JobOutputSink = JobOutput> {
  private readonly env: Env;
  private readonly rules: JobRunnerRules;
  private readonly jobs = new Map<string, Job<O>>();
  /** Jobs whose time has come, in the order they became ready. */
  private readonly ready: string[] = [];
  private executing = 0;
  private nextNumber = 1;
  /** Set by `shutdown`: no job is accepted or started any more. */
  private closing = false;
  private readonly createOutput: (id: string, reopen: boolean) => O;
  /** Aborted by `shutdown`: ends the waits for retention periods, so nothing outlives the runner. */
  private readonly lifetime = new AbortController();
  /** Ended jobs waiting to leave memory, in the order they ended, with when. */
  private readonly expiring: { readonly id: string; readonly atMs: number }[] = [];
  private sweeping = false;
  /** What recovery did with each unfinished job of the runner before, in the order recorded. */
  readonly recovered: readonly RecoveredJob[];

  constructor(private readonly options: JobRunnerOptions<O>) {
    if (!Number.isInteger(options.concurrencyLimit) || options.concurrencyLimit < 1) throw new RangeError('concurrencyLimit must be a positive integer');
    if (options.retentionMs !== undefined && !(Number.isSafeInteger(options.retentionMs) && options.retentionMs >= 0)) throw new RangeError('retentionMs must be a whole number of ms, 0 or more');
    if (options.retentionMs !== undefined && options.store === undefined) throw new RangeError('retentionMs needs a store: a job removed from memory is answered for from there');
    this.env = options.env;
    this.rules = { ...CORRECT_JOB_RUNNER_RULES, ...options.flaws };
    this.createOutput = options.createOutput ?? ((id, reopen) => this.defaultOutput(id, reopen) as unknown as O);
    jobRunnerEvents.emit(this.env, { kind: 'job-runner.open', data: { concurrencyLimit: options.concurrencyLimit } });
    if (options.outputFiles !== undefined && options.store === undefined) throw new RangeError('outputFiles needs a store: the files belong to its records');
    this.recovered = this.recover();
    this.discardOrphanFiles();
    if (options.keepEndedMs !== undefined) this.pruneEvery(options.keepEndedMs);
  }

  /**
   * Deletes the output files of jobs the store no longer has: a runner that died between deleting a
   * record and its files left them, and nothing else would ever delete them.
   */
  private discardOrphanFiles(): void {
    const { store, outputFiles } = this.options;
    if (store === undefined || outputFiles === undefined || !this.rules.discardsOutputWithRecord) return;
    const orphans = outputFiles.jobsWithFiles().filter((id) => store.get(id) === undefined).sort();
    if (orphans.length === 0) return;
    jobRunnerEvents.emit(this.env, { kind: 'job.orphan-output', data: { jobs: orphans } });
    for (const id of orphans) this.discardFiles(outputFiles, id);
  }

  /**
   * Deletes job `id`'s output files. A failure (a file the server may not delete) is logged and
   * leaves them: the next runner to open tries again, and pruning carries on meanwhile.
   */
  private discardFiles(outputFiles: JobOutputFiles, id: string): void {
    try {
      outputFiles.discard(id);
    } catch (error) {
      jobRunnerEvents.emit(this.env, { kind: 'job.output-not-deleted', data: { job: id, error: error instanceof Error ? error.message : String(error) } });
    }
  }

  /** Deletes the records of jobs that ended more than `keepEndedMs` ago, now and then every tenth of it, until shutdown. */
  private pruneEvery(keepEndedMs: number): void {
    const store = this.options.store;
    if (!(Number.isSafeInteger(keepEndedMs) && keepEndedMs > 0)) throw new RangeError('keepEndedMs must be a positive whole number of ms');
    if (store?.prune === undefined) throw new RangeError('keepEndedMs needs a store that can prune');
    const everyMs = Math.min(3_600_000, Math.max(60_000, Math.round(keepEndedMs / 10)));
    const prune = (): void => {
      const cutoffMs = this.env.now() - keepEndedMs;
      // Only jobs out of memory: one still held answers from memory, and its record must stay with it.
      const ids = store.list().filter((job) => !this.jobs.has(job.id) && this.rules.prunable(job, cutoffMs)).map((job) => job.id);
      if (ids.length === 0) return;
      store.prune?.(ids);
      // After the records: a runner that dies in between leaves files without a record, which the
      // next one deletes when it opens; the other way round would leave records missing their output.
      const outputFiles = this.options.outputFiles;
      if (outputFiles !== undefined && this.rules.discardsOutputWithRecord) for (const id of ids) this.discardFiles(outputFiles, id);
      jobRunnerEvents.emit(this.env, { kind: 'job.pruned', data: { jobs: ids, cutoffMs, clockMs: this.env.now() } });
    };
    void (async () => {
      try {
        for (;;) {
          prune();
          await this.env.sleep(everyMs, this.lifetime.signal);
        }
      } catch {
        // The runner shut down.
      }
    })();
  }

  /** An output in memory, kept in the store too when the store keeps output. */
  private defaultOutput(id: string, reopen: boolean): JobOutput {
    const store = this.options.store;
    const views = { inView: this.rules.chunkInView };
    if (reopen) return new JobOutput(this.rules.firstStreamedChunk, { ...views, initial: store?.storedOutput?.(id) ?? [], ended: true });
    const keep = store?.appendOutput?.bind(store);
    return new JobOutput(this.rules.firstStreamedChunk, keep === undefined ? views : { ...views, onAppend: (chunk) => keep(id, chunk) });
  }

  /**
   * Picks up the jobs the store holds from a runner that died: an executing one is recorded
   * `failed` ("runner restarted"), a queued one is queued again (waiting for its time, if scheduled).
   */
  private recover(): RecoveredJob[] {
    const store = this.options.store;
    if (store === undefined) return [];
    const recovered: RecoveredJob[] = [];
    const requeued: Job<O>[] = [];
    for (const stored of store.load()) {
      this.nextNumber = Math.max(this.nextNumber, Number(/^job-(\d+)$/.exec(stored.id)?.[1] ?? 0) + 1);
      if (isTerminal(stored.state)) continue;
      const now = this.rules.recover(stored.state);
      if (now === undefined) continue;
      recovered.push({ id: stored.id, was: stored.state, now });
      jobRunnerEvents.emit(this.env, { kind: 'job.recovered', data: { job: stored.id, was: stored.state, now } });
      if (now === 'failed') {
        const endedAtMs = this.env.now();
        checkTransition(stored.id, stored.state, 'failed');
        store.save({ ...stored, state: 'failed', endedAtMs, reason: RUNNER_RESTARTED });
        jobRunnerEvents.emit(this.env, { kind: 'job.transition', data: { job: stored.id, from: stored.state, to: 'failed', clockMs: endedAtMs } });
      } else if (now === 'queued') {
        const job = this.newJob(stored.id, { command: stored.command, ...(stored.owner === undefined ? {} : { owner: stored.owner }) }, stored.queuedAtMs, stored.startAtMs, stored.timeoutMs);
        this.jobs.set(job.id, job);
        requeued.push(job);
      }
    }
    // Only once every job that was executing is recorded ended: they hold no slot any more.
    for (const job of requeued) this.queue(job);
    return recovered;
  }

  private newJob(id: string, spec: JobSpec, queuedAtMs: number, startAtMs: number | undefined, timeoutMs: number | undefined): Job<O> {
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    return { id, spec, state: 'queued', queuedAtMs, startAtMs, timeoutMs, stopRequested: false, output: this.createOutput(id, false), settled, settle };
  }

  /** A queued job waits for its time, if it has one still to come, then for a slot. */
  private queue(job: Job<O>): void {
    if (job.startAtMs === undefined) this.makeReady(job);
    else if (job.startAtMs <= this.env.now()) this.due(job);
    else this.waitForStartTime(job, job.startAtMs);
  }

  /**
   * Queues `spec`; it starts once its time has come and a slot is free. Returns its id. Throws
   * `RefusedCommand` (and accepts nothing) when the executor cannot run the command at all, or the
   * runner is shutting down.
   */
  start(spec: JobSpec, options: StartOptions = {}): string {
    if (this.closing) throw new RunnerShuttingDown();
    const refusal = this.options.executor.refuse?.(spec.command);
    if (refusal !== undefined) throw new RefusedCommand(refusal);
    if (options.timeoutMs !== undefined && !(Number.isSafeInteger(options.timeoutMs) && options.timeoutMs > 0)) throw new RefusedCommand('the timeout must be a positive whole number of ms');
    const id = this.options.newId?.() ?? `job-${this.nextNumber++}`;
    const job = this.newJob(id, spec, this.env.now(), options.at, options.timeoutMs);
    this.jobs.set(id, job);
    this.options.store?.save(view(job));
    jobRunnerEvents.emit(this.env, { kind: 'job.queued', data: { job: id, command: spec.command, ...(spec.owner === undefined ? {} : { owner: spec.owner }), ...(options.at === undefined ? {} : { startAtMs: options.at }) } });
    this.queue(job);
    return id;
  }

  status(id: string): JobStatus {
    const job = this.jobs.get(id);
    if (job !== undefined) return view(job);
    return this.stored(id);
  }

  /** Every job (of `owner`, when given), oldest first; with a store, also those no longer in memory. */
  list(owner?: string): JobStatus[] {
    // The store has every change saved as it happened, so it is as current as memory.
    if (this.options.store !== undefined) return this.options.store.list(owner);
    return [...this.jobs.values()].filter((job) => owner === undefined || job.spec.owner === owner).map(view);
  }

  /** Whether the runner has `id` in memory: false for one it never had and for one past its retention. */
  inMemory(id: string): boolean {
    return this.jobs.has(id);
  }

  /** The stored status of a job no longer (or not yet again) in memory. */
  private stored(id: string): JobStatus {
    const status = this.options.store?.get(id);
    if (status === undefined) throw new UnknownJob(id);
    return status;
  }

  /**
   * Stops a job: a queued one ends `stopped` now and never runs; an executing one is killed and ends
   * `stopped` once it has exited (await `settled`). A job that has ended is left as it is.
   */
  /** Whether `caller` may see and stop a job started by `owner`: what `CallerView` (`access.ts`) enforces. */
  mayAct(caller: Caller, owner: string | undefined): boolean {
    return this.rules.mayAct(caller, owner);
  }

  stop(id: string, reason?: string): JobStatus {
    if (!this.jobs.has(id)) return this.stored(id); // ended and out of memory: left as it is
    const job = this.job(id);
    jobRunnerEvents.emit(this.env, { kind: 'job.stop-requested', data: { job: id, state: job.state } });
    if (job.state === 'queued' && this.rules.stopQueued === 'end') {
      if (this.rules.stopCancelsStartWait) job.startWait?.abort();
      job.stopReason = reason;
      this.transition(job, 'stopped');
    } else if (job.state === 'executing' || job.state === 'queued') {
      job.stopRequested = true;
      job.stopReason ??= reason;
      if (this.rules.stopKillsExecution) job.execution?.kill();
    }
    return view(job);
  }

  /**
   * Ends an executing job as `failed` because of `reason` (an output limit, a timeout): it is killed
   * and ends `failed` once it has exited. A job in any other state is left as it is.
   */
  fail(id: string, reason: string): void {
    const job = this.jobs.get(id);
    if (job === undefined) return;
    if (job.state !== 'executing' || job.stopRequested || job.failure !== undefined) return;
    job.failure = reason;
    job.execution?.kill();
  }

  /**
   * Stops taking work: later `start` calls are refused, executing jobs are killed (`force`: at once,
   * without their grace period) and end `stopped` with `reason`. Queued jobs end `stopped` too, unless
   * the runner has a store: then they stay queued in it, for the next runner on that store to run.
   * Resolves once every executing job has ended. Calling it again (a second signal) may only add `force`.
   */
  async shutdown(reason: string, force = false): Promise<void> {
    this.closing = true;
    this.lifetime.abort();
    const keepQueued = this.options.store !== undefined;
    const ending: Job<O>[] = [];
    for (const job of this.jobs.values()) {
      if (job.state === 'queued' && keepQueued) {
        job.startWait?.abort();
        continue;
      }
      if (job.state === 'queued') this.stop(job.id, reason);
      else if (job.state === 'executing') {
        if (!job.stopRequested) this.stop(job.id, reason);
        if (force) job.execution?.kill(true);
      }
      ending.push(job);
    }
    await Promise.all(ending.map((job) => job.settled));
  }

  /** The job's output: `text()` for everything so far, `stream()` to follow it live from the start (in memory, by default). */
  output(id: string): O {
    const job = this.jobs.get(id);
    if (job !== undefined) return job.output;
    this.stored(id);
    return this.createOutput(id, true);
  }

  /** Resolves with the job's final status once it has ended. */
  async settled(id: string): Promise<JobStatus> {
    if (!this.jobs.has(id)) return this.stored(id);
    const job = this.job(id);
    await job.settled;
    return view(job);
  }

  private job(id: string): Job<O> {
    const job = this.jobs.get(id);
    if (job === undefined) throw new UnknownJob(id);
    return job;
  }

  /** Sleeps until `atMs` by this runner's clock, then makes the job ready. */
  private waitForStartTime(job: Job<O>, atMs: number): void {
    const controller = new AbortController();
    job.startWait = controller;
    void (async () => {
      try {
        await this.rules.sleepUntil(this.env, atMs, controller.signal);
      } catch {
        return; // stopped while waiting
      }
      job.startWait = undefined;
      this.due(job);
    })();
  }

  /** A scheduled job's start time has come by this runner's clock (recorded, so the wait can be judged on its own). */
  private due(job: Job<O>): void {
    jobRunnerEvents.emit(this.env, { kind: 'job.due', data: { job: job.id, clockMs: this.env.now() } });
    this.makeReady(job);
  }

  private makeReady(job: Job<O>): void {
    if (job.state !== 'queued') return;
    this.ready.push(job.id);
    this.dispatch();
  }

  /** Starts ready jobs while a slot is free. The one place the concurrency limit is enforced. */
  private dispatch(): void {
    const limit = this.options.concurrencyLimit;
    while (this.rules.hasSlot(this.executing, limit) && this.ready.length > 0) {
      const job = this.jobs.get(this.ready.shift() as string) as Job<O>;
      if (job.state !== 'queued' || this.closing) continue;
      // A job that became due while every slot was taken reads the clock again when a slot frees:
      // if the clock was stepped back meanwhile, its time has not come after all, so it waits again.
      if (job.startAtMs !== undefined && !this.rules.startTimeHasCome(this.env, job.startAtMs)) this.waitForStartTime(job, job.startAtMs);
      else this.launch(job);
    }
  }

  private launch(job: Job<O>): void {
    job.stopRequested = this.rules.stopFlagAtLaunch(job.stopRequested);
    job.startedAtMs = this.env.now();
    this.executing += 1;
    this.transition(job, 'executing');
    let execution: Execution;
    try {
      execution = this.options.executor.start({ command: job.spec.command, onOutput: (chunk) => job.output.append(chunk) });
    } catch (error) {
      // The command never ran: the job fails with the reason, and its slot is free again at once.
      this.finish(job, { code: null, signal: null, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    job.execution = execution;
    jobRunnerEvents.emit(this.env, { kind: 'job.execution', data: { job: job.id, execution: execution.id } });
    if (job.stopRequested) execution.kill();
    if (job.timeoutMs !== undefined) this.armTimeout(job, job.timeoutMs);
    void execution.exited.then((exit) => this.finish(job, exit));
  }

  /** Fails the job once it has executed for `timeoutMs` by this runner's clock. */
  private armTimeout(job: Job<O>, timeoutMs: number): void {
    const controller = new AbortController();
    job.timeoutWait = controller;
    void (async () => {
      try {
        await this.rules.sleepUntil(this.env, (job.startedAtMs as number) + timeoutMs, controller.signal);
      } catch {
        return; // ended before its timeout
      }
      this.fail(job.id, `timed out after ${timeoutMs} ms`);
    })();
  }

  private finish(job: Job<O>, exit: ExitStatus): void {
    this.executing -= 1;
    job.exit = exit;
    job.endedAtMs = this.env.now();
    job.execution = undefined;
    job.timeoutWait?.abort();
    job.timeoutWait = undefined;
    job.output.end();
    const to = job.stopRequested ? 'stopped' : job.failure === undefined && this.rules.succeeded(exit) ? 'completed' : 'failed';
    this.transition(job, to, { exit: describeExit(exit) });
    this.dispatch();
  }

  private transition(job: Job<O>, to: JobState, details: { readonly exit?: string } = {}): void {
    checkTransition(job.id, job.state, to);
    const from = job.state;
    job.state = to;
    this.options.store?.save(view(job));
    jobRunnerEvents.emit(this.env, { kind: 'job.transition', data: { job: job.id, from, to, clockMs: this.env.now(), ...details } });
    if (isTerminal(to)) {
      job.output.end();
      job.settle();
      if (this.options.retentionMs !== undefined) this.forgetAfterRetention(job.id, this.options.retentionMs);
    }
  }

  /** Removes an ended job from memory once `retentionMs` has passed; the store answers for it from then on. */
  private forgetAfterRetention(id: string, retentionMs: number): void {
    // One retention period for all: jobs expire in the order they ended, so one wait at a time serves them all.
    this.expiring.push({ id, atMs: this.env.now() + retentionMs });
    if (!this.sweeping) void this.sweep();
  }

  private async sweep(): Promise<void> {
    this.sweeping = true;
    try {
      for (let next = this.expiring[0]; next !== undefined; next = this.expiring[0]) {
        const waitMs = next.atMs - this.env.now();
        if (waitMs > 0) {
          await this.env.sleep(Math.min(waitMs, MAX_TIMER_DELAY_MS), this.lifetime.signal);
          continue;
        }
        this.expiring.shift();
        if (this.jobs.delete(next.id)) jobRunnerEvents.emit(this.env, { kind: 'job.forgotten', data: { job: next.id } });
      }
    } catch {
      // The runner shut down: nothing is forgotten any more.
    } finally {
      this.sweeping = false;
    }
  }
}

function view<O>(job: Job<O>): JobStatus {
  return {
    id: job.id,
    command: job.spec.command,
    ...(job.spec.owner === undefined ? {} : { owner: job.spec.owner }),
    state: job.state,
    queuedAtMs: job.queuedAtMs,
    ...(job.startAtMs === undefined ? {} : { startAtMs: job.startAtMs }),
    ...(job.startedAtMs === undefined ? {} : { startedAtMs: job.startedAtMs }),
    ...(job.endedAtMs === undefined ? {} : { endedAtMs: job.endedAtMs }),
    ...(job.exit === undefined ? {} : { exit: describeExit(job.exit), exitCode: job.exit.code }),
    ...(reasonOf(job) === undefined ? {} : { reason: reasonOf(job) }),
    ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }),
  };
}

/** Why the runner ended the job itself, if it did: the failure it found, or why it stopped it. */
function reasonOf<O>(job: Job<O>): string | undefined {
  if (job.state === 'stopped') return job.stopReason;
  if (job.state === 'failed') return job.failure ?? (job.exit?.error === undefined ? undefined : `the command could not be started: ${job.exit.error}`);
  return undefined;
}
