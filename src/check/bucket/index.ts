/** The bucket system's invariants: one checker per file, each a pure function of trace and volume. */
export { checkExactlyOnce, exactlyOnce } from './exactly-once.js';
export { checkMutualExclusion, fenceLogOf, mutualExclusion } from './mutual-exclusion.js';
export { checkStatistics, naiveStats, statistics } from './statistics.js';
export { checkLiveness, liveness, type LivenessOptions } from './liveness.js';
export { readBucketVolume, type BucketVolume } from './volume.js';
export { expectedOutput } from './expected-output.js';
export { judgeBucketRun, traceOfLog, type BucketRunRecord, type BucketVerdict } from './verify-directory.js';
export { claimFactsOf, claimKeyOf, type ClaimFact } from './claim-facts.js';
export { checkWorkUnderLease, workUnderLease } from './work-under-lease.js';
export { checkRefusedClaim, refusedClaimNotWorked } from './refused-claim.js';
export { checkNoCommitAfterLoss, noCommitAfterLoss } from './no-commit-after-loss.js';
export { checkCommitThroughFence, commitThroughFence } from './commit-through-fence.js';
export { checkWholeInput, wholeInput } from './whole-input.js';
