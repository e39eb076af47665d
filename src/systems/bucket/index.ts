/** The bucket system: provider, worker, fence, file format and statistics (its real-mode entry points are in `src/real/bucket/`). */
export { runBucketWorker, type WorkerOptions, type WorkerFlaws } from './worker.js';
export { planDrops, provideDrops, NO_LAG, type Drop, type DropScheduleOptions, type LagDistribution, type ProviderOptions, type SizeDistribution } from './provider.js';
export { directoryFence, resourceFence, tracedFence, type CommitFence, type JudgingResource } from './fence.js';
export { END_MARKER, MINUTES_SIGNIFICANT_DIGITS, judgeInput, renderInput, toTsv, type InputRecord, type InputVerdict } from './input-format.js';
export { bucketEvents, emitBucket, type BucketEvent, type FenceVerdict } from './events.js';
export { bucketLayout, classifyEntry, inputNameAt, outputName, timeOfInputName, RESERVED_DIRS, type BucketLayout } from './layout.js';
export { formatStatsLine, parseStatsLine, RollingStats, STATS_EVERY_FILES, STATS_PRINTED_DECIMALS, type StatsSnapshot } from './stats.js';
export { Decimal } from './decimal.js';
export { BUCKET_MUTANTS, neverExpiringLock, UnfencedResource, workerFlawsOf, type BucketMutant } from './mutants.js';
