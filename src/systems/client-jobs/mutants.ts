/**
 * Deliberately broken client-job designs. Each has one flaw a real implementation could ship with;
 * the `client-jobs` scenario must catch every one of them, or its invariants prove nothing.
 */
import type { Env } from '../../env/index.js';
import { defaultClientJobDesign, type ClientJobDesign, type ClientJobOptions, type ClientJobStores } from './client-job.js';
import { globalLockExclusion, noExclusion, queuedLockExclusion, releaseOnSuccessExclusion } from './exclusion.js';
import { noGuard } from './output-journal.js';

export interface ClientJobsMutant {
  /** The flaw, in one sentence. */
  readonly flaw: string;
  design(env: Env, stores: ClientJobStores, options: ClientJobOptions): ClientJobDesign;
}

export const clientJobsMutants = {
  'no-lock': {
    flaw: "jobs of one client run without the client's lock, so their parts interleave",
    design: (env, stores, options) => ({ ...defaultClientJobDesign(env, stores, options), exclusion: noExclusion }),
  },
  'partial-text-kept': {
    flaw: "no undo journal: a crashed job's partial text stays in the output",
    design: (env, stores, options) => ({ ...defaultClientJobDesign(env, stores, options), guard: noGuard }),
  },
  'crash-blocks-queue': {
    flaw: 'a lock without expiry, released only on success: a crashed job holds its client\'s lock for good',
    design: (env, stores, options) => ({ ...defaultClientJobDesign(env, stores, options), exclusion: releaseOnSuccessExclusion(env, stores.lock, options) }),
  },
  'backoff-order': {
    flaw: "waiting jobs ignore the client's waiting line: whoever wins the backoff runs first, not whoever was queued first",
    design: (env, stores, options) => ({ ...defaultClientJobDesign(env, stores, options), exclusion: queuedLockExclusion(env, stores.lock, stores.queue, { ...options, keepOrder: false }) }),
  },
  'global-lock': {
    flaw: 'one lock for all clients: correct output, but clients wait for each other (needs clients >= 2)',
    design: (env, stores, options) => ({ ...defaultClientJobDesign(env, stores, options), exclusion: globalLockExclusion(env, stores.lock, options) }),
  },
} satisfies Record<string, ClientJobsMutant>;

export type ClientJobsMutantName = keyof typeof clientJobsMutants;
