/** The DAG-pipeline invariants, one file each, and the facts they read from a trace. */
export { dagFacts, downstreamClosure, DAG_RUNNER, type DagFacts, type DagJobFacts, type AttemptStart, type AttemptEnd, type NotificationFact, type ExecutionFacts } from './dag-trace.js';
export { checkUpstreamSucceededFirst, UPSTREAM_SUCCEEDED_FIRST } from './upstream-succeeded-first.js';
export { checkNothingDownstreamOfFailure, NOTHING_DOWNSTREAM_OF_FAILURE } from './nothing-downstream-of-failure.js';
export { checkDownstreamResumes, DOWNSTREAM_RESUMES } from './downstream-resumes.js';
export { checkNotBeforeStartTime, NOT_BEFORE_START_TIME } from './not-before-start-time.js';
export { checkAlertsJustified, ALERTS_JUSTIFIED } from './alerts-justified.js';
export { checkBreachesAlerted, BREACHES_ALERTED } from './breaches-alerted.js';
