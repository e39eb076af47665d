/**
 * Output a job leaves outside its store record: the real server keeps the first part of each job's
 * output with the record (`jobs.db`) and appends the rest to spill files (`output/ID.out`,
 * `ID.out.stdout`, `ID.out.stderr`). Those files belong to the record: the runner deletes them when
 * it prunes the record (`keepEndedMs`), and, when it opens, deletes any whose job the store no longer
 * has (a runner that died between deleting a record and its files, or an older one that kept them).
 * A job that only left memory (`retentionMs`) keeps them: its output is still served from there.
 *
 * `MemoryOutputFiles` is the simulation's: files in an object that outlives the runner's process,
 * as a disk does, written by `MemoryJobStore` past its in-record part exactly as the real server's
 * `SpillingOutput` writes its spill files.
 */
import type { OutputChunk } from './executor.js';

export interface JobOutputFiles {
  /** The jobs that have output files now, in no particular order. */
  jobsWithFiles(): string[];
  /** Deletes job `id`'s output files; a job without any is no error. */
  discard(id: string): void;
}

/** Output files in memory: each job's spilled chunks, in the order appended. */
export class MemoryOutputFiles implements JobOutputFiles {
  private readonly files = new Map<string, OutputChunk[]>();

  /** Appends `chunk` to job `id`'s files, creating them on first need. */
  append(id: string, chunk: OutputChunk): void {
    const chunks = this.files.get(id) ?? [];
    chunks.push(chunk);
    this.files.set(id, chunks);
  }

  /** Everything appended to job `id`'s files, in order; nothing when it has none. */
  read(id: string): readonly OutputChunk[] {
    return this.files.get(id) ?? [];
  }

  jobsWithFiles(): string[] {
    return [...this.files.keys()];
  }

  discard(id: string): void {
    this.files.delete(id);
  }
}
