/** The job-runner invariants, one file each, and the facts they read from a trace. */
export { jobRunnerFacts, type JobRunnerFacts, type JobFacts, type TransitionFact, type ReadFact } from './job-trace.js';
export { checkLegalTransitions, LEGAL_TRANSITIONS } from './legal-transitions.js';
export { checkOutputComplete, OUTPUT_COMPLETE } from './output-complete.js';
export { checkStoppedQueuedNeverRuns, STOPPED_QUEUED_NEVER_RUNS } from './stopped-queued-never-runs.js';
export { checkScheduledNotEarly, SCHEDULED_NOT_EARLY } from './scheduled-not-early.js';
export { checkConcurrencyLimit, CONCURRENCY_LIMIT } from './concurrency-limit.js';
