/**
 * A job's output for the real server: its exact bytes, the first `memoryBytes` of them kept in
 * memory and the rest appended to a file (the spill file, under the server's state directory), so a
 * job that prints gigabytes costs the server a bounded amount of memory. Readers get the bytes in
 * order, from memory and then from the file, a bounded piece at a time; a follower waits for more
 * until the job ends.
 *
 * Past `maxBytes` in all, the output is cut there (nothing beyond is kept) and `onLimit` is told
 * once, so the runner can end the job `failed` with the reason: what is served is then exactly what
 * the job printed up to the limit, never an altered or empty answer.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { chunkBytes, type ByteOutput, type JobOutputSink } from '../../systems/job-runner/job-output.js';
import type { OutputChunk } from '../../systems/job-runner/executor.js';

/** Bytes read from the spill file per step of a reader. */
const READ_PIECE_BYTES = 65_536;

export interface SpillingOutputOptions {
  /** The spill file, created on first need. */
  readonly path: string;
  /** Bytes kept in memory before spilling. */
  readonly memoryBytes: number;
  /** Bytes kept in all; more is dropped and `onLimit` called once. */
  readonly maxBytes: number;
  readonly onLimit?: () => void;
}

export class SpillingOutput implements JobOutputSink, ByteOutput {
  private readonly memory: Uint8Array[] = [];
  private memorySize = 0;
  private fd: number | undefined;
  private fileSize = 0;
  private ended = false;
  private limited = false;
  private wakeReaders: (() => void)[] = [];

  constructor(private readonly options: SpillingOutputOptions) {}

  get size(): number {
    return this.memorySize + this.fileSize;
  }

  /** Whether the output reached `maxBytes` and was cut there. */
  get truncated(): boolean {
    return this.limited;
  }

  append(chunk: OutputChunk): void {
    if (this.ended || this.limited) return;
    let bytes = chunkBytes(chunk);
    if (bytes.length === 0) return;
    const room = this.options.maxBytes - this.size;
    if (bytes.length > room) {
      bytes = bytes.subarray(0, room);
      this.limited = true;
    }
    if (this.fd === undefined && this.memorySize + bytes.length <= this.options.memoryBytes) {
      this.memory.push(bytes);
      this.memorySize += bytes.length;
    } else {
      // Written synchronously: appends stay in order, and a reader can read up to `size` at once.
      this.fd ??= openSync(this.options.path, 'w', 0o600);
      for (let written = 0; written < bytes.length; ) written += writeSync(this.fd, bytes, written, bytes.length - written);
      this.fileSize += bytes.length;
    }
    this.wake();
    if (this.limited) this.options.onLimit?.();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.wake();
  }

  async *bytes(follow: boolean): AsyncGenerator<Uint8Array, void, undefined> {
    const until = follow ? Number.POSITIVE_INFINITY : this.size;
    let sent = 0;
    let chunk = 0;
    let file: FileHandle | undefined;
    try {
      for (;;) {
        while (chunk < this.memory.length && sent < until) {
          const bytes = this.memory[chunk++] as Uint8Array;
          sent += bytes.length;
          yield bytes;
        }
        const fileEnd = Math.min(this.size, until);
        if (sent < fileEnd) {
          file ??= await open(this.options.path, 'r');
          const piece = Buffer.allocUnsafe(Math.min(READ_PIECE_BYTES, fileEnd - sent));
          const { bytesRead } = await file.read(piece, 0, piece.length, sent - this.memorySize);
          if (bytesRead === 0) throw new Error(`the spill file ${this.options.path} ended before the output did`);
          sent += bytesRead;
          yield piece.subarray(0, bytesRead);
          continue;
        }
        if (sent >= until || (this.ended && sent >= this.size)) return;
        await new Promise<void>((resolve) => this.wakeReaders.push(resolve));
      }
    } finally {
      await file?.close();
    }
  }

  private wake(): void {
    const readers = this.wakeReaders;
    this.wakeReaders = [];
    for (const wake of readers) wake();
  }
}
