/**
 * The job runner: jobs with a queued → executing → completed | failed lifecycle (and stopped),
 * a concurrency limit, scheduled starts and live output, over any `Executor` (simulated jobs, or
 * real shell commands in `src/real/job-runner/`).
 */
export { JobRunner, UnknownJob, JOB_RUNNER_MUTANTS, type JobRunnerMutant, type JobSpec, type StartOptions, type JobStatus, type JobRunnerOptions } from './job-runner.js';
export { checkTransition, isTerminal, IllegalTransition, type JobState } from './lifecycle.js';
export { JobOutput } from './job-output.js';
export { succeeded, describeExit, type Executor, type Execution, type ExecutionRequest, type ExitStatus, type OutputChunk } from './executor.js';
export { createSimExecutor, SimExecutionRegistry, chunkText, type SimJobBehaviour } from './sim-executor.js';
