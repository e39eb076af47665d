/** The client-jobs invariants, one file each, and the history they judge. */
export { attemptsFromTrace, successesByClient, type ExpectedJob, type JobAttempt, type ClientOutput, type ClientJobsHistory } from './history.js';
export { judgeClientOutput, type OutputVerdict } from './output-format.js';
export { checkOutputWholeTexts, outputWholeTexts } from './output-whole-texts.js';
export { checkEveryJobReported, everyJobReported } from './every-job-reported.js';
export { checkOneJobPerClient, oneJobPerClient } from './one-job-per-client.js';
export { checkClientsInParallel, clientsInParallel, type ParallelismBound } from './clients-in-parallel.js';
export { checkFirstQueuedFirstRun, firstQueuedFirstRun } from './first-queued-first-run.js';
export { checkNoPartAfterLoss, noPartAfterLoss } from './no-part-after-loss.js';
