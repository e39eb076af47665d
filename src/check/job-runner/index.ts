/** The job-runner invariants, one file each, and the facts they read from a trace. */
export { jobRunnerFacts, jobRunnerFactsOf, type JobRunnerFacts, type JobFacts, type TransitionFact, type ReadFact, type DueFact, type ExecutionFact, type ExitFact } from './job-trace.js';
export { checkLegalTransitions, legalTransitions } from './legal-transitions.js';
export { checkOutputComplete, outputComplete } from './output-complete.js';
export { checkStoppedQueuedNeverRuns, stoppedQueuedNeverRuns } from './stopped-queued-never-runs.js';
export { checkScheduledNotEarly, scheduledNotEarly } from './scheduled-not-early.js';
export { checkClientFinished, clientFinished } from './client-finished.js';
export { checkConcurrencyLimit, concurrencyLimit } from './concurrency-limit.js';
export { checkRestartRecoversJobs, restartRecoversJobs } from './restart-recovers-jobs.js';
export { checkDueNotEarly, dueNotEarly } from './due-not-early.js';
export { checkDueOnlyWhileQueued, dueOnlyWhileQueued } from './due-only-while-queued.js';
export { checkStopEndsExecution, stopEndsExecution } from './stop-ends-execution.js';
export { checkEndStateMatchesExit, endStateMatchesExit } from './end-state-matches-exit.js';
export { checkAuthorisedAccess, authorisedAccess, type AccessInput } from './authorised-access.js';
export { checkPrunedOnlyWhenDue, prunedOnlyWhenDue, type PruneInput } from './pruned-only-when-due.js';
export { checkNoOutputWithoutRecord, noOutputWithoutRecord, type OutputFilesInput } from './no-output-without-record.js';
