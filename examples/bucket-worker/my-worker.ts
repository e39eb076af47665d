/**
 * A user's bucket worker in the built-in bucket scenario, with no file copied: the scenario takes
 * the worker as a part (`BucketWorkerMain`: `(env, options) => Promise<void>`), and judges it with
 * its own checkers (exactly-once, mutual exclusion at the fence, statistics, liveness).
 *
 * This one is the team's deployment of the reference worker: it shortens every lease to a third of
 * what the scenario offers (their lock store charges by lease-second) and tolerates inputs without an
 * end marker once their size held still for two polls. Both are choices a real team makes, and both
 * are the kind simrun should judge before production does.
 *
 *   npx simrun fuzz bucket --set worker=examples/bucket-worker/my-worker.ts --runs 50
 */
import { bucket, type Env } from 'simrun';

export default async function myWorker(env: Env, options: bucket.WorkerOptions): Promise<void> {
  env.log('my-worker.start', { leaseTtlMs: Math.max(1_000, Math.floor(options.leaseTtlMs / 3)) });
  await bucket.runBucketWorker(env, {
    ...options,
    leaseTtlMs: Math.max(1_000, Math.floor(options.leaseTtlMs / 3)),
    settleMs: 2 * options.pollMs,
  });
}
