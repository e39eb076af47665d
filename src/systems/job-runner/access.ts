/**
 * Who may do what with a job: a caller (a client certificate's CN) sees and stops its own jobs; an
 * admin (a CN named by `--admin`) sees and stops every user's. Another user's job is refused as if
 * it did not exist (`UnknownJob`, a 404 over HTTP), so ids of other users' jobs leak nothing.
 *
 * The rule is `access-policy.ts`'s, which the runner takes as one of its rules (`JobRunnerRules.mayAct`);
 * `CallerView` is the runner as one caller may use it, and the real server serves every request
 * through one. Every decision is recorded in the trace (`job.access`, `job.listed`), so an
 * invariant can judge it against who started each job.
 */
import type { Env } from '../../env/env.js';
import type { Caller } from './access-policy.js';
import { jobRunnerEvents } from './events.js';
import type { JobOutput, JobOutputSink } from './job-output.js';
import { UnknownJob, type JobRunner, type JobStatus, type StartOptions } from './job-runner.js';

export { callerNamed, mayAct, type Caller } from './access-policy.js';

export type AccessAction = 'status' | 'stop' | 'output';

export class CallerView<O extends JobOutputSink = JobOutput> {
  constructor(
    private readonly runner: JobRunner<O>,
    private readonly caller: Caller,
    /** Where each decision is recorded (`job.access`, `job.listed`); none: not recorded. */
    private readonly env?: Env,
  ) {}

  /** Starts a job owned by the caller. */
  start(command: string, options: StartOptions = {}): string {
    return this.runner.start({ command, owner: this.caller.name }, options);
  }

  /** The jobs the caller may see, oldest first. */
  list(): JobStatus[] {
    const jobs = this.runner.list().filter((job) => this.runner.mayAct(this.caller, job.owner));
    if (this.env !== undefined) jobRunnerEvents.emit(this.env, { kind: 'job.listed', data: { caller: this.caller.name, jobs: jobs.map((job) => job.id) } });
    return jobs;
  }

  status(id: string): JobStatus {
    return this.runner.status(this.allowed(id, 'status'));
  }

  stop(id: string): JobStatus {
    return this.runner.stop(this.allowed(id, 'stop'));
  }

  output(id: string): O {
    return this.runner.output(this.allowed(id, 'output'));
  }

  /** `id` when the caller may act on it; `UnknownJob` otherwise, as for a job that does not exist. */
  private allowed(id: string, action: AccessAction): string {
    const { owner } = this.runner.status(id);
    const granted = this.runner.mayAct(this.caller, owner);
    if (this.env !== undefined) jobRunnerEvents.emit(this.env, { kind: 'job.access', data: { caller: this.caller.name, action, job: id, granted } });
    if (!granted) throw new UnknownJob(id);
    return id;
  }
}
