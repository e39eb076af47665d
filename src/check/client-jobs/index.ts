/** The client-jobs invariants, one file each, and the history they judge. */
export { attemptsFromTrace, successesByClient, type ExpectedJob, type JobAttempt, type ClientOutput, type ClientJobsHistory } from './history.js';
export { judgeClientOutput, type OutputVerdict } from './output-format.js';
export { checkOutputWholeTexts, OUTPUT_WHOLE_TEXTS } from './output-whole-texts.js';
export { checkEveryJobReported, EVERY_JOB_REPORTED } from './every-job-reported.js';
export { checkOneJobPerClient, ONE_JOB_PER_CLIENT } from './one-job-per-client.js';
export { checkClientsInParallel, CLIENTS_IN_PARALLEL, type ParallelismBound } from './clients-in-parallel.js';
