/**
 * The DAG pipeline: YAML pipeline files, a runner that starts jobs when their upstream jobs
 * succeeded, blocks downstream of failures, resumes after a restart from its SQL run log, and
 * alerts on runtime and output-size breaches through a pluggable notifier.
 */
export { parsePipeline } from './pipeline-file.js';
export { validateGraph, findCycle, downstreamOf, transitiveDownstream, topologicalOrder, type Pipeline, type JobDefinition } from './pipeline.js';
export { PipelineError } from './pipeline-error.js';
export { dagEvents, emitDag, type DagEvent, type AttemptOutcome, type OpenedJob } from './events.js';
export { DagRunner, CORRECT_DAG_RULES, DagLeaseLostError, type DagRules, type DagFlaws, type DagRunnerOptions, type RunOptions, type JobView } from './dag-runner.js';
export { runExclusively, runnerLeaseKey, DagRunnerBusyError, type ExclusiveRunOptions } from './runner-lease.js';
export { NO_ORPHANS, type Orphan, type OrphanReaper, type ReapOutcome } from './orphans.js';
export { DAG_MUTANTS, DAG_SCHEDULE_MUTANTS, dagFlawsOf, isDagMutant, type DagMutant } from './mutants.js';
export { resumeFromLog, withBlocked, type JobPhase, type ResumedJob } from './job-state.js';
export { consoleNotifier, webhookNotifier, fanOutNotifier, type Notification, type NotificationKind, type Notifier, type FetchLike } from './notifier.js';
export { RUN_STATUSES, RUNNER_LEASE_TABLE, latestByJob, type RunStatus, type RunLogEntry, type DagStore, type AppendFence, type PipelineCommand, type CommandAction } from './run-log.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { createPostgresStore } from './postgres-store.js';
export { runOnSchedule, type ScheduledRunsOptions } from './scheduled-runs.js';
