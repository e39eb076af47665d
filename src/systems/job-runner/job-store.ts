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
import { chunkBytes } from './job-output.js';
import type { JobStatus } from './job-runner.js';
import type { MemoryOutputFiles } from './output-files.js';

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

export interface MemoryJobStoreOptions {
  /**
   * Output bytes per job kept with its record; the chunks past them go to `spill` instead, as the
   * real server spills to files past its in-memory part. Chunk by chunk: a chunk that would cross
   * the bound is spilled whole (default: everything kept with the record).
   */
  readonly recordBytes?: number;
  /** Where output past `recordBytes` goes; needed with `recordBytes`. */
  readonly spill?: MemoryOutputFiles;
}

/**
 * A store in memory: survives a runner that crashes (the object outlives it), not the program. With
 * `recordBytes` and `spill` it lays each job's output out as the real server does: the first part
 * with the record, the rest in the spill files, which `prune` leaves alone (they are the runner's
 * to delete with the record, as the real server's files are).
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobStatus>();
  private readonly outputs = new Map<string, OutputChunk[]>();
  /** Bytes of output kept with each record so far. */
  private readonly recordSizes = new Map<string, number>();
  /** The jobs whose output has begun to spill: everything after goes to the spill files too, in order. */
  private readonly spilling = new Set<string>();

  constructor(private readonly options: MemoryJobStoreOptions = {}) {
    if (options.recordBytes !== undefined && options.spill === undefined) throw new RangeError('recordBytes needs spill: where the output past it goes');
  }

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
    const { recordBytes, spill } = this.options;
    const kept = this.recordSizes.get(id) ?? 0;
    const bytes = chunkBytes(chunk).length;
    if (spill !== undefined && recordBytes !== undefined && (this.spilling.has(id) || kept + bytes > recordBytes)) {
      this.spilling.add(id);
      spill.append(id, chunk);
      return;
    }
    const chunks = this.outputs.get(id) ?? [];
    chunks.push(chunk);
    this.outputs.set(id, chunks);
    this.recordSizes.set(id, kept + bytes);
  }

  /** The output kept with the record, then what was spilled: a spill file gone early shows as output lost. */
  storedOutput(id: string): readonly OutputChunk[] {
    const kept = this.outputs.get(id) ?? [];
    return this.spilling.has(id) ? [...kept, ...(this.options.spill?.read(id) ?? [])] : kept;
  }

  /** Deletes the records and the output kept with them; the spill files stay, for the runner to delete. */
  prune(ids: readonly string[]): void {
    for (const id of ids) {
      this.jobs.delete(id);
      this.outputs.delete(id);
      this.recordSizes.delete(id);
      this.spilling.delete(id);
    }
  }
}
