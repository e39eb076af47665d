/** The DAG-pipeline invariants, one file each, and the facts they read from a trace. */
export { dagFacts, dagFactsOf, downstreamClosure, DAG_RUNNER, type DagFacts, type DagJobFacts, type AttemptStart, type AttemptEnd, type NotificationFact, type ExecutionFacts } from './dag-trace.js';
export { checkUpstreamSucceededFirst, upstreamSucceededFirst } from './upstream-succeeded-first.js';
export { checkNothingDownstreamOfFailure, nothingDownstreamOfFailure } from './nothing-downstream-of-failure.js';
export { checkDownstreamResumes, downstreamResumes } from './downstream-resumes.js';
export { checkNotBeforeStartTime, notBeforeStartTime } from './not-before-start-time.js';
export { checkAlertsJustified, alertsJustified } from './alerts-justified.js';
export { checkBreachesAlerted, breachesAlerted } from './breaches-alerted.js';
export { checkOneExecutionPerJob, oneExecutionPerJob } from './one-execution-per-job.js';
export { checkStopEndsJobs, stopEndsJobs } from './stop-ends-jobs.js';
export { checkMaxParallelRespected, maxParallelRespected } from './max-parallel-respected.js';
export { checkHardLimitEnforced, hardLimitEnforced } from './hard-limit-enforced.js';
export { checkDataJudgedByReports, dataJudgedByReports } from './data-judged-by-reports.js';
export { checkSuccessIsClean, successIsClean } from './success-is-clean.js';
export { checkRerunRunsAgain, rerunRunsAgain } from './rerun-runs-again.js';
export { scheduleFacts, scheduleFactsOf, type ScheduleFacts, type ScheduleStep } from './schedule-trace.js';
export { checkScheduledOnTick, scheduledOnTick } from './scheduled-on-tick.js';
export { checkNewRunRunsEveryJob, newRunRunsEveryJob } from './new-run-runs-every-job.js';
