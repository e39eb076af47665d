/**
 * Client jobs: jobs queued per client run one at a time per client and in parallel across clients;
 * a crashed job leaves no partial text and never blocks the client's later jobs.
 */
export { TEXT_PARTS, WHOLE_TEXT, TEXT_LINE } from './text.js';
export { clientJobEvents, emitClientJob, type ClientJobEvent } from './events.js';
export { journalGuard, journalPath, noGuard, recoverOutput, type OutputGuard } from './output-journal.js';
export { clientLockKey, queuedLockExclusion, lockExclusion, noExclusion, globalLockExclusion, releaseOnSuccessExclusion, type Exclusion, type LockExclusionOptions } from './exclusion.js';
export { runClientJob, defaultClientJobDesign, JobCrash, type ClientJobOptions, type ClientJobDesign, type ClientJobStores, type ClientJobOutcome } from './client-job.js';
export { clientJobsMutants, type ClientJobsMutant, type ClientJobsMutantName } from './mutants.js';
