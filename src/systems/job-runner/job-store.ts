/**
 * Where a job runner keeps its jobs' records so they outlive it: every status change is saved as it
 * happens, and a runner opened on the same store picks the jobs up again (`JobRunner`'s recovery).
 * The real server's store is SQLite under its state directory (`src/real/job-runner/sqlite-job-store.ts`);
 * in simulation it is `MemoryJobStore`, an object that outlives the runner's process, as a disk does.
 *
 * The store also serves the status of finished jobs the runner no longer keeps in memory (after its
 * retention period), so they stay queryable.
 */
import type { OutputChunk } from './executor.js';
import type { JobStatus } from './job-runner.js';

export interface JobStore {
  /** Every recorded job, oldest first. */
  load(): JobStatus[];
  /** Records `status` as the job's current one (the first save of an id adds it). */
  save(status: JobStatus): void;
  get(id: string): JobStatus | undefined;
  /** Every recorded job (of `owner`, when given), oldest first. */
  list(owner?: string): JobStatus[];
  /**
   * Output kept with the record, for the runner's default in-memory output: each chunk as it is
   * appended, and every chunk kept so far. A runner with its own output (the real server's, which
   * persists itself) never calls these.
   */
  appendOutput?(id: string, chunk: OutputChunk): void;
  storedOutput?(id: string): readonly OutputChunk[];
  /** Deletes the records of jobs `ids` (ended ones, past the runner's `keepEndedMs`) with their kept output. */
  prune?(ids: readonly string[]): void;
}

/** A store in memory: survives a runner that crashes (the object outlives it), not the program. */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobStatus>();
  private readonly outputs = new Map<string, OutputChunk[]>();

  load(): JobStatus[] {
    return [...this.jobs.values()];
  }

  save(status: JobStatus): void {
    this.jobs.set(status.id, status);
  }

  get(id: string): JobStatus | undefined {
    return this.jobs.get(id);
  }

  list(owner?: string): JobStatus[] {
    return this.load().filter((job) => owner === undefined || job.owner === owner);
  }

  appendOutput(id: string, chunk: OutputChunk): void {
    const chunks = this.outputs.get(id) ?? [];
    chunks.push(chunk);
    this.outputs.set(id, chunks);
  }

  storedOutput(id: string): readonly OutputChunk[] {
    return this.outputs.get(id) ?? [];
  }

  prune(ids: readonly string[]): void {
    for (const id of ids) {
      this.jobs.delete(id);
      this.outputs.delete(id);
    }
  }
}
