/**
 * One client job, as the seed's `worker.py` is one: it appends the fixed text to its client's
 * output file, part by part, with a pause for work between parts, and may crash part-way.
 *
 * Production code: it reaches the world only through its `Env` and a `LockBackend`, so it runs
 * unchanged as an OS process in real mode and as a simulated process under a seed. A job
 *
 * 1. waits its turn among its client's jobs (`Exclusion`, by default the client's waiting line and
 *    lock in the lock store: first queued, first run);
 * 2. under the lock, rolls back any partial text a crashed predecessor left and records where its own
 *    text starts (`OutputGuard`, by default the undo journal of `output-journal.ts`);
 * 3. appends the parts; with probability `crashRate` it crashes after a random number of them;
 * 4. commits, or after a crash removes its partial text, still under the lock, and reports;
 * 5. releases the lock, whatever happened, so the client's later jobs still run.
 */
import type { Env } from '../../env/index.js';
import type { BackoffOptions, LockBackend } from '../../locks/index.js';
import type { WaitQueue } from '../../locks/wait-queue.js';
import { queuedLockExclusion, type ClientJobOutcome, type Exclusion } from './exclusion.js';

export type { ClientJobOutcome } from './exclusion.js';
import { journalGuard, type OutputGuard } from './output-journal.js';
import { TEXT_PARTS } from './text.js';
import { emitClientJob } from './events.js';

export interface ClientJobOptions {
  /** The client the job belongs to: jobs of one client run one at a time. */
  readonly client: string;
  /** The job's number within its client's queue, for reports. */
  readonly job: number;
  /** The client's output file. */
  readonly outputPath: string;
  /** Probability in [0, 1] that the job crashes part-way (drawn from `env.random`). */
  readonly crashRate: number;
  /** Work between two parts: a duration drawn uniformly from [min, max] ms. */
  readonly partWorkMsMin: number;
  readonly partWorkMsMax: number;
  /** Lease length of the client's lock in ms. */
  readonly ttlMs: number;
  /** Waits between lock attempts. */
  readonly backoff: BackoffOptions;
  /**
   * What a crash does once `partsWritten` parts are out. By default it throws `JobCrash` (the job's
   * own handler then cleans up); real mode can end the whole process here instead.
   */
  readonly onCrash?: (partsWritten: number) => Promise<void>;
}

/** The lock store as a job uses it: the clients' locks and their waiting lines. */
export interface ClientJobStores {
  readonly lock: LockBackend;
  readonly queue: WaitQueue;
}

/** The pieces a job is built from; mutants swap one of them for a broken one. */
export interface ClientJobDesign {
  readonly exclusion: Exclusion;
  readonly guard: OutputGuard;
}

/** The job crashed on purpose (the seed's workers fail with some probability). */
export class JobCrash extends Error {
  override readonly name = 'JobCrash';
  constructor(readonly partsWritten: number) {
    super(`the job crashed after part ${partsWritten} of ${TEXT_PARTS.length}`);
  }
}

/** The production design: the client's waiting line and lock, and the undo journal. */
export function defaultClientJobDesign(env: Env, stores: ClientJobStores, options: Pick<ClientJobOptions, 'outputPath' | 'ttlMs' | 'backoff'>): ClientJobDesign {
  return { exclusion: queuedLockExclusion(env, stores.lock, stores.queue, options), guard: journalGuard(env, options.outputPath) };
}

/** Runs one job to its outcome. Rejects only for failures that are not the job's own crash (I/O errors). */
export async function runClientJob(env: Env, stores: ClientJobStores, options: ClientJobOptions, design: ClientJobDesign = defaultClientJobDesign(env, stores, options)): Promise<ClientJobOutcome> {
  const { client, job } = options;
  // Drawn before waiting, so the decision does not depend on how long the wait was.
  const crashAfterParts = env.random() < options.crashRate ? 1 + Math.floor(env.random() * (TEXT_PARTS.length - 1)) : undefined;
  emitClientJob(env, { kind: 'client-job.queued', data: { client, job } });
  return design.exclusion(client, async (signal, token) => {
    emitClientJob(env, { kind: 'client-job.started', data: { client, job, token } });
    await design.guard.begin();
    let written = 0;
    try {
      for (const part of TEXT_PARTS) {
        if (written === crashAfterParts) {
          await (options.onCrash ?? crashByThrowing)(written);
        }
        signal.throwIfAborted();
        await env.fs.appendFile(options.outputPath, part, 'utf8');
        written += 1;
        emitClientJob(env, { kind: 'client-job.part', data: { client, job, part: written } });
        if (written < TEXT_PARTS.length) await env.sleep(drawWorkMs(env, options));
      }
      await design.guard.commit();
    } catch (error) {
      if (error instanceof JobCrash) {
        await design.guard.abort();
        emitClientJob(env, { kind: 'client-job.failed', data: { client, job, reason: 'crash', partsWritten: error.partsWritten } });
        return { status: 'failed', client, job, reason: error.message, partsWritten: error.partsWritten, token };
      }
      if (signal.aborted) {
        // Someone else may hold the lock now: leave the partial text to the next holder's rollback.
        emitClientJob(env, { kind: 'client-job.failed', data: { client, job, reason: 'lost the lock', partsWritten: written } });
        return { status: 'failed', client, job, reason: `lost the client's lock after part ${written}`, partsWritten: written, token };
      }
      throw error;
    }
    emitClientJob(env, { kind: 'client-job.succeeded', data: { client, job } });
    return { status: 'succeeded', client, job, token };
  });
}

async function crashByThrowing(partsWritten: number): Promise<void> {
  throw new JobCrash(partsWritten);
}

function drawWorkMs(env: Env, options: ClientJobOptions): number {
  return options.partWorkMsMin + Math.floor(env.random() * (options.partWorkMsMax - options.partWorkMsMin + 1));
}
