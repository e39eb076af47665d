/**
 * The bucket system's trace events: what the worker (`worker.ts`), the provider (`provider.ts`) and
 * the fence in front of the output store (`fence.ts`, recorded by the scenario) report. `file` is
 * always the input's name and `token` the fencing token of the lease the worker held.
 */
import { eventFamily, type EventFamily } from '../../env/events.js';
import type { FencedOperation } from '../../locks/fenced-resource.js';

export type BucketEvent =
  /** An I/O error outside any file's work (listing the directory): retried at the next poll. */
  | { readonly kind: 'bucket.error'; readonly data: { readonly op: 'poll'; readonly error: string } }
  /** A name in the bucket that is not an input: left alone. */
  | { readonly kind: 'bucket.ignore'; readonly data: { readonly file: string; readonly reason: string } }
  /** An input-named entry that is not a readable regular file (a directory, symlink, FIFO, no permission): skipped, reported once per incarnation. */
  | { readonly kind: 'bucket.skip'; readonly data: { readonly file: string; readonly reason: string } }
  /** The lease was lost mid-work: the work on this file stops. */
  | { readonly kind: 'bucket.abandon'; readonly data: { readonly file: string; readonly token: number; readonly reason: string } }
  | { readonly kind: 'bucket.claim'; readonly data: { readonly file: string; readonly token: number } }
  /** The input vanished after the claim: another worker finished it. */
  | { readonly kind: 'bucket.gone'; readonly data: { readonly file: string; readonly token: number } }
  /** The input is still being written: left for a later poll. */
  | { readonly kind: 'bucket.incomplete'; readonly data: { readonly file: string; readonly bytes: number } }
  | { readonly kind: 'bucket.reject'; readonly data: { readonly file: string; readonly token: number; readonly reason: string } }
  /** The output already exists: a previous holder committed and died before marking the input done. */
  | { readonly kind: 'bucket.recover'; readonly data: { readonly file: string; readonly token: number } }
  | { readonly kind: 'bucket.process.start'; readonly data: { readonly file: string; readonly token: number; readonly minutes: number } }
  | { readonly kind: 'bucket.process.end'; readonly data: { readonly file: string; readonly token: number } }
  /** A transient storage error after the work was done, retried in place. */
  | { readonly kind: 'bucket.retry'; readonly data: { readonly file: string; readonly step: string; readonly attempt: number; readonly error: string } }
  /** The publish found an output already there: someone committed first (harmless). */
  | { readonly kind: 'bucket.commit.duplicate'; readonly data: { readonly file: string; readonly token: number } }
  | { readonly kind: 'bucket.commit'; readonly data: { readonly file: string; readonly token: number; readonly minutes: number } }
  /** An attempt at the commit step begins: the worker has checked its lease is not known lost, and asks the fence next. */
  | { readonly kind: 'bucket.commit.begin'; readonly data: { readonly file: string; readonly token: number; readonly attempt: number } }
  /** The incarnation's statistics after a multiple of 5 commits (also printed as a line). */
  | { readonly kind: 'bucket.stats'; readonly data: { readonly n: number; readonly total: number; readonly sumSquares: number } }
  /** The input was moved to `processed/`. */
  | { readonly kind: 'bucket.done'; readonly data: { readonly file: string } }
  /** The fence refused the token at `step`: a newer holder has the file. */
  | { readonly kind: 'bucket.fenced'; readonly data: { readonly file: string; readonly token: number; readonly step: 'process' | 'commit' } }
  /** A non-atomic drop wrote its first `bytes` of `of`; the rest follows after a pause. */
  | { readonly kind: 'bucket.drop.partial'; readonly data: { readonly file: string; readonly bytes: number; readonly of: number } }
  /** A drop's write failed with a transient storage error (a full disk): the provider writes it again after a pause. */
  | { readonly kind: 'bucket.drop.retry'; readonly data: { readonly file: string; readonly attempt: number; readonly error: string } }
  /** The whole input is in place. */
  | { readonly kind: 'bucket.drop'; readonly data: { readonly file: string; readonly index: number; readonly namedAtMs: number; readonly minutes: number; readonly rows: number } }
  /** One verdict of the fence in front of the output store, as the resource logged it. */
  | { readonly kind: 'bucket.fence'; readonly data: FenceVerdict };

/** A `FencedOperation` as trace data (a plain object type, so it is JSON data). */
export type FenceVerdict = { readonly [K in keyof FencedOperation]: FencedOperation[K] };

export const bucketEvents: EventFamily<BucketEvent> = eventFamily<BucketEvent>({
  'bucket.error': true,
  'bucket.ignore': true,
  'bucket.skip': true,
  'bucket.abandon': true,
  'bucket.claim': true,
  'bucket.gone': true,
  'bucket.incomplete': true,
  'bucket.reject': true,
  'bucket.recover': true,
  'bucket.process.start': true,
  'bucket.process.end': true,
  'bucket.retry': true,
  'bucket.commit.duplicate': true,
  'bucket.commit': true,
  'bucket.commit.begin': true,
  'bucket.stats': true,
  'bucket.done': true,
  'bucket.fenced': true,
  'bucket.drop.partial': true,
  'bucket.drop.retry': true,
  'bucket.drop': true,
  'bucket.fence': true,
});

/** Records a bucket event through `env.log`. */
export const emitBucket: EventFamily<BucketEvent>['emit'] = bucketEvents.emit;
