/**
 * The client-jobs system's trace events (`client-job.ts`, `output-journal.ts`): one job of client
 * `client`, numbered `job`, from queueing to its end, and the rollback of a crashed job's text.
 */
import { eventFamily, type EventFamily } from '../../env/events.js';

type JobFields = { readonly client: string; readonly job: number };

export type ClientJobEvent =
  | { readonly kind: 'client-job.queued'; readonly data: JobFields }
  /** The job holds its client's exclusion, under fencing token `token`. */
  /** The job took its place in its client's waiting line, with the store's `ticket` (order of arrival). */
  | { readonly kind: 'client-job.in-line'; readonly data: { readonly client: string; readonly ticket: number } }
  /** The job's place in line lapsed (it did not keep it in time): it is no longer owed its turn. */
  | { readonly kind: 'client-job.lost-place'; readonly data: { readonly client: string; readonly ticket: number } }
  | { readonly kind: 'client-job.started'; readonly data: JobFields & { readonly token: number } }
  /** The job appended its `part`-th part (from 1) to the output. */
  | { readonly kind: 'client-job.part'; readonly data: JobFields & { readonly part: number } }
  | { readonly kind: 'client-job.failed'; readonly data: JobFields & { readonly reason: 'crash' | 'lost the lock'; readonly partsWritten: number } }
  | { readonly kind: 'client-job.succeeded'; readonly data: JobFields }
  /** A job's partial text, left by process `crashedJob` that died mid-write, was removed from `output`. */
  | { readonly kind: 'client-job.recovered'; readonly data: { readonly output: string; readonly crashedJob: string; readonly removedChars: number } };

export const clientJobEvents: EventFamily<ClientJobEvent> = eventFamily<ClientJobEvent>({
  'client-job.queued': true,
  'client-job.in-line': true,
  'client-job.lost-place': true,
  'client-job.started': true,
  'client-job.part': true,
  'client-job.failed': true,
  'client-job.succeeded': true,
  'client-job.recovered': true,
});

/** Records a client-jobs event through `env.log`. */
export const emitClientJob: EventFamily<ClientJobEvent>['emit'] = clientJobEvents.emit;
