/**
 * A job's output for the real server: its exact bytes, the first `memoryBytes` of them kept in
 * memory and the rest appended to files (the spill files, under the server's state directory), so a
 * job that prints gigabytes costs the server a bounded amount of memory. Readers get the bytes in
 * order, from memory and then from a file, a bounded piece at a time; a follower waits for more
 * until the job ends.
 *
 * stdout and stderr are kept apart as well as together: the in-memory chunks carry their stream,
 * and past the in-memory part each byte is appended both to the merged spill file (`path`) and to
 * its stream's own (`path.stdout`, `path.stderr`), so every view is served as a plain read. The
 * in-memory part is also handed to `onKeep` as it comes (the server stores it in SQLite): with the
 * spill files, that is the whole output, and `reopen` serves it again after a restart.
 *
 * Past `maxBytes` in all, the output is cut there (nothing beyond is kept) and `onLimit` is told
 * once, so the runner can end the job `failed` with the reason: what is served is then exactly what
 * the job printed up to the limit, never an altered or empty answer.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { chunkBytes, type ByteOutput, type JobOutputSink, type OutputView } from '../../systems/job-runner/job-output.js';
import type { OutputChunk } from '../../systems/job-runner/executor.js';

/** Bytes read from a spill file per step of a reader. */
const READ_PIECE_BYTES = 65_536;

type Stream = OutputChunk['stream'];

/** A piece of output kept in memory, with the stream it came on. */
export interface KeptBytes {
  readonly stream: Stream;
  readonly bytes: Uint8Array;
}

export interface SpillingOutputOptions {
  /** The merged spill file, created on first need; each stream's is this path plus `.stdout` or `.stderr`. */
  readonly path: string;
  /** Bytes kept in memory before spilling. */
  readonly memoryBytes: number;
  /** Bytes kept in all; more is dropped and `onLimit` called once. */
  readonly maxBytes: number;
  readonly onLimit?: () => void;
  /** Told each piece kept in memory, as it is kept (to persist it). */
  readonly onKeep?: (kept: KeptBytes) => void;
}

/** The spill file of `view`, given the merged one's path. */
export function spillPath(path: string, view: OutputView): string {
  return view === 'merged' ? path : `${path}.${view}`;
}

const VIEWS: readonly OutputView[] = ['merged', 'stdout', 'stderr'];

export class SpillingOutput implements JobOutputSink, ByteOutput {
  private readonly memory: KeptBytes[] = [];
  private readonly memorySizes = { merged: 0, stdout: 0, stderr: 0 };
  private readonly fileSizes = { merged: 0, stdout: 0, stderr: 0 };
  /** Open spill files, by view; none until the in-memory part is full. */
  private fds: Partial<Record<OutputView, number>> | undefined;
  private spilling = false;
  private ended = false;
  private limited = false;
  private wakeReaders: (() => void)[] = [];

  constructor(private readonly options: SpillingOutputOptions) {}

  /**
   * The output of a job that has ended, read back: `kept` is its in-memory part as `onKeep` was told
   * it, the rest is in its spill files, if any.
   */
  static reopen(path: string, kept: readonly KeptBytes[]): SpillingOutput {
    const output = new SpillingOutput({ path, memoryBytes: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY });
    for (const piece of kept) output.keepInMemory(piece);
    for (const view of VIEWS) {
      try {
        output.fileSizes[view] = statSync(spillPath(path, view)).size;
        output.spilling = true;
      } catch {
        // No spill file: the output fit in memory (or nothing of this stream was spilled).
      }
    }
    output.ended = true;
    return output;
  }

  sizeOf(view: OutputView = 'merged'): number {
    return this.memorySizes[view] + this.fileSizes[view];
  }

  /** Whether the output reached `maxBytes` and was cut there. */
  get truncated(): boolean {
    return this.limited;
  }

  append(chunk: OutputChunk): void {
    if (this.ended || this.limited) return;
    let bytes = chunkBytes(chunk);
    if (bytes.length === 0) return;
    const room = this.options.maxBytes - this.sizeOf();
    if (bytes.length > room) {
      bytes = bytes.subarray(0, room);
      this.limited = true;
    }
    if (!this.spilling && this.memorySizes.merged + bytes.length <= this.options.memoryBytes) {
      const kept = { stream: chunk.stream, bytes };
      this.keepInMemory(kept);
      this.options.onKeep?.(kept);
    } else {
      // Written synchronously: appends stay in order, and a reader can read up to `sizeOf` at once.
      this.spilling = true;
      this.write('merged', bytes);
      this.write(chunk.stream, bytes);
    }
    this.wake();
    if (this.limited) this.options.onLimit?.();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const fd of Object.values(this.fds ?? {})) closeSync(fd);
    this.fds = undefined;
    this.wake();
  }

  async *bytes(follow: boolean, view: OutputView = 'merged'): AsyncGenerator<Uint8Array, void, undefined> {
    const until = follow ? Number.POSITIVE_INFINITY : this.sizeOf(view);
    const wanted = (piece: KeptBytes): boolean => view === 'merged' || piece.stream === view;
    let sent = 0;
    let chunk = 0;
    let file: FileHandle | undefined;
    try {
      for (;;) {
        while (chunk < this.memory.length && sent < until) {
          const piece = this.memory[chunk++] as KeptBytes;
          if (!wanted(piece)) continue;
          sent += piece.bytes.length;
          yield piece.bytes;
        }
        const fileEnd = Math.min(this.sizeOf(view), until);
        if (sent < fileEnd) {
          file ??= await open(spillPath(this.options.path, view), 'r');
          const piece = Buffer.allocUnsafe(Math.min(READ_PIECE_BYTES, fileEnd - sent));
          const { bytesRead } = await file.read(piece, 0, piece.length, sent - this.memorySizes[view]);
          if (bytesRead === 0) throw new Error(`the spill file ${spillPath(this.options.path, view)} ended before the output did`);
          sent += bytesRead;
          yield piece.subarray(0, bytesRead);
          continue;
        }
        if (sent >= until || (this.ended && sent >= this.sizeOf(view))) return;
        await new Promise<void>((resolve) => this.wakeReaders.push(resolve));
      }
    } finally {
      await file?.close();
    }
  }

  private keepInMemory(piece: KeptBytes): void {
    this.memory.push(piece);
    this.memorySizes.merged += piece.bytes.length;
    this.memorySizes[piece.stream] += piece.bytes.length;
  }

  private write(view: OutputView, bytes: Uint8Array): void {
    this.fds ??= {};
    const fd = (this.fds[view] ??= openSync(spillPath(this.options.path, view), 'w', 0o600));
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
    this.fileSizes[view] += bytes.length;
  }

  private wake(): void {
    const readers = this.wakeReaders;
    this.wakeReaders = [];
    for (const wake of readers) wake();
  }
}
