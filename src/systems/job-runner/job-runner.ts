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
 * State lives in memory: the runner is one process, and its jobs end with it.
 */
import type { Env } from '../../env/env.js';
import { describeExit, succeeded, type Execution, type Executor, type ExitStatus } from './executor.js';
import { JobOutput } from './job-output.js';
import { checkTransition, isTerminal, type JobState } from './lifecycle.js';
import { jobRunnerEvents } from './events.js';

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
}

/** Rules replaced by a deliberately broken variant; every rule not named stays correct. */
export type JobRunnerFlaws = Partial<JobRunnerRules>;

export const CORRECT_JOB_RUNNER_RULES: JobRunnerRules = {
  hasSlot: (executing, limit) => executing < limit,
  // Re-reads the clock after each wake: it may have been stepped while the runner slept.
  async sleepUntil(env, atMs, signal) {
    for (let now = env.now(); now < atMs; now = env.now()) await env.sleep(atMs - now, signal);
  },
  startTimeHasCome: (env, atMs) => env.now() >= atMs,
  stopQueued: 'end',
  stopFlagAtLaunch: (flagged) => flagged,
  firstStreamedChunk: () => 0,
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
  /** How it ended, once it has: `exit 0`, `signal SIGTERM`. */
  readonly exit?: string;
  readonly exitCode?: number | null;
}

export interface JobRunnerOptions {
  readonly env: Env;
  readonly executor: Executor;
  /** Jobs executing at once, at most. */
  readonly concurrencyLimit: number;
  /** Broken rules, for proving the invariants can see their bugs (default: none). */
  readonly flaws?: JobRunnerFlaws;
}

export class UnknownJob extends Error {
  override readonly name = 'UnknownJob';
  constructor(readonly id: string) {
    super(`no job ${id}`);
  }
}

interface Job {
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
  /** Cancels the wait for a scheduled start. */
  startWait?: AbortController;
  readonly output: JobOutput;
  readonly settled: Promise<void>;
  settle(): void;
}

export class JobRunner {
  private readonly env: Env;
  private readonly rules: JobRunnerRules;
  private readonly jobs = new Map<string, Job>();
  /** Jobs whose time has come, in the order they became ready. */
  private readonly ready: string[] = [];
  private executing = 0;
  private nextNumber = 1;

  constructor(private readonly options: JobRunnerOptions) {
    if (!Number.isInteger(options.concurrencyLimit) || options.concurrencyLimit < 1) throw new RangeError('concurrencyLimit must be a positive integer');
    this.env = options.env;
    this.rules = { ...CORRECT_JOB_RUNNER_RULES, ...options.flaws };
    jobRunnerEvents.emit(this.env, { kind: 'job-runner.open', data: { concurrencyLimit: options.concurrencyLimit } });
  }

  /** Queues `spec`; it starts once its time has come and a slot is free. Returns its id. */
  start(spec: JobSpec, options: StartOptions = {}): string {
    const id = `job-${this.nextNumber++}`;
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const job: Job = {
      id,
      spec,
      state: 'queued',
      queuedAtMs: this.env.now(),
      startAtMs: options.at,
      stopRequested: false,
      output: new JobOutput(this.rules.firstStreamedChunk),
      settled,
      settle,
    };
    this.jobs.set(id, job);
    jobRunnerEvents.emit(this.env, { kind: 'job.queued', data: { job: id, command: spec.command, ...(spec.owner === undefined ? {} : { owner: spec.owner }), ...(options.at === undefined ? {} : { startAtMs: options.at }) } });
    if (options.at === undefined || options.at <= job.queuedAtMs) this.makeReady(job);
    else this.waitForStartTime(job, options.at);
    return id;
  }

  status(id: string): JobStatus {
    return view(this.job(id));
  }

  /** Every job (of `owner`, when given), oldest first. */
  list(owner?: string): JobStatus[] {
    return [...this.jobs.values()].filter((job) => owner === undefined || job.spec.owner === owner).map(view);
  }

  /**
   * Stops a job: a queued one ends `stopped` now and never runs; an executing one is killed and ends
   * `stopped` once it has exited (await `settled`). A job that has ended is left as it is.
   */
  stop(id: string): JobStatus {
    const job = this.job(id);
    jobRunnerEvents.emit(this.env, { kind: 'job.stop-requested', data: { job: id, state: job.state } });
    if (job.state === 'queued' && this.rules.stopQueued === 'end') {
      job.startWait?.abort();
      this.transition(job, 'stopped');
    } else if (job.state === 'executing' || job.state === 'queued') {
      job.stopRequested = true;
      job.execution?.kill();
    }
    return view(job);
  }

  /** The job's output: `text()` for everything so far, `stream()` to follow it live from the start. */
  output(id: string): Pick<JobOutput, 'text' | 'stream' | 'complete'> {
    return this.job(id).output;
  }

  /** Resolves with the job's final status once it has ended. */
  async settled(id: string): Promise<JobStatus> {
    const job = this.job(id);
    await job.settled;
    return view(job);
  }

  private job(id: string): Job {
    const job = this.jobs.get(id);
    if (job === undefined) throw new UnknownJob(id);
    return job;
  }

  /** Sleeps until `atMs` by this runner's clock, then makes the job ready. */
  private waitForStartTime(job: Job, atMs: number): void {
    const controller = new AbortController();
    job.startWait = controller;
    void (async () => {
      try {
        await this.rules.sleepUntil(this.env, atMs, controller.signal);
      } catch {
        return; // stopped while waiting
      }
      job.startWait = undefined;
      this.makeReady(job);
    })();
  }

  private makeReady(job: Job): void {
    if (job.state !== 'queued') return;
    this.ready.push(job.id);
    this.dispatch();
  }

  /** Starts ready jobs while a slot is free. The one place the concurrency limit is enforced. */
  private dispatch(): void {
    const limit = this.options.concurrencyLimit;
    while (this.rules.hasSlot(this.executing, limit) && this.ready.length > 0) {
      const job = this.jobs.get(this.ready.shift() as string) as Job;
      if (job.state !== 'queued') continue;
      // A job that became due while every slot was taken reads the clock again when a slot frees:
      // if the clock was stepped back meanwhile, its time has not come after all, so it waits again.
      if (job.startAtMs !== undefined && !this.rules.startTimeHasCome(this.env, job.startAtMs)) this.waitForStartTime(job, job.startAtMs);
      else this.launch(job);
    }
  }

  private launch(job: Job): void {
    job.stopRequested = this.rules.stopFlagAtLaunch(job.stopRequested);
    job.startedAtMs = this.env.now();
    this.executing += 1;
    this.transition(job, 'executing');
    const execution = this.options.executor.start({ command: job.spec.command, onOutput: (chunk) => job.output.append(chunk) });
    job.execution = execution;
    jobRunnerEvents.emit(this.env, { kind: 'job.execution', data: { job: job.id, execution: execution.id } });
    if (job.stopRequested) execution.kill();
    void execution.exited.then((exit) => this.finish(job, exit));
  }

  private finish(job: Job, exit: ExitStatus): void {
    this.executing -= 1;
    job.exit = exit;
    job.endedAtMs = this.env.now();
    job.execution = undefined;
    job.output.end();
    this.transition(job, job.stopRequested ? 'stopped' : succeeded(exit) ? 'completed' : 'failed', { exit: describeExit(exit) });
    this.dispatch();
  }

  private transition(job: Job, to: JobState, details: { readonly exit?: string } = {}): void {
    checkTransition(job.id, job.state, to);
    const from = job.state;
    job.state = to;
    jobRunnerEvents.emit(this.env, { kind: 'job.transition', data: { job: job.id, from, to, clockMs: this.env.now(), ...details } });
    if (isTerminal(to)) {
      job.output.end();
      job.settle();
    }
  }
}

function view(job: Job): JobStatus {
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
  };
}
