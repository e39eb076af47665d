/** The bucket system's invariants: one checker per file, each a pure function of trace and volume. */
export { checkExactlyOnce, EXACTLY_ONCE } from './exactly-once.js';
export { checkMutualExclusion, fenceLogOf, MUTUAL_EXCLUSION } from './mutual-exclusion.js';
export { checkStatistics, naiveStats, STATISTICS } from './statistics.js';
export { checkLiveness, LIVENESS, type LivenessOptions } from './liveness.js';
export { readBucketVolume, type BucketVolume } from './volume.js';
export { expectedOutput } from './expected-output.js';
export { judgeBucketRun, traceOfLog, type BucketRunRecord, type BucketVerdict } from './verify-directory.js';
