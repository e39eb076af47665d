/**
 * The job runner: jobs with a queued → executing → completed | failed lifecycle (and stopped),
 * a concurrency limit, scheduled starts and live output (stdout and stderr apart or merged), over any
 * `Executor` (simulated jobs, or real shell commands in `src/real/job-runner/`); with a `JobStore`, jobs
 * outlive the runner.
 */
export { JobRunner, UnknownJob, RefusedCommand, RunnerShuttingDown, CORRECT_JOB_RUNNER_RULES, type JobRunnerRules, type JobRunnerFlaws, type JobSpec, type StartOptions, type JobStatus, type JobRunnerOptions, RUNNER_RESTARTED, type RecoveredJob } from './job-runner.js';
export { JOB_RUNNER_MUTANTS, jobRunnerFlawsOf, isJobRunnerMutant, type JobRunnerMutant } from './mutants.js';
export { checkTransition, isTerminal, IllegalTransition, type JobState } from './lifecycle.js';
export { JobOutput, chunkBytes, type JobOutputSink, type ByteOutput, type OutputView, type JobOutputOptions } from './job-output.js';
export { MemoryJobStore, type JobStore, type MemoryJobStoreOptions } from './job-store.js';
export { MemoryOutputFiles, type JobOutputFiles } from './output-files.js';
export { jobRunnerEvents, simJobEvents, jobClientEvents, type JobRunnerEvent, type SimJobEvent, type JobClientEvent } from './events.js';
export { succeeded, describeExit, type Executor, type Execution, type ExecutionRequest, type ExitStatus, type OutputChunk } from './executor.js';
export { createSimExecutor, SimExecutionRegistry, chunkText, type SimJobBehaviour } from './sim-executor.js';
export { CallerView, callerNamed, mayAct, type Caller, type AccessAction } from './access.js';
