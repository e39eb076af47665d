/**
 * One job's output: chunks appended in the order the job produced them, readable whole at any time
 * or streamed from the first chunk, live, until the job ends. This one keeps everything in memory
 * (simulation, tests, small jobs); the real server's keeps a bounded part in memory and spills the
 * rest to disk (`src/real/job-runner/spilling-output.ts`). Both are `JobOutputSink`s to the runner
 * and `ByteOutput`s to the server.
 */
import type { OutputChunk } from './executor.js';

/** What the runner does with a job's output: append each chunk, then end it when the job has ended. */
export interface JobOutputSink {
  append(chunk: OutputChunk): void;
  /** No more output will come: readers finish once they have delivered everything. */
  end(): void;
}

/** A job's output as bytes, for serving it. */
export interface ByteOutput {
  /** Bytes appended so far. */
  readonly size: number;
  /**
   * The bytes in order from the first: with `follow`, also each new one until the job ends; without,
   * exactly the first `size` bytes as of the call.
   */
  bytes(follow: boolean): AsyncGenerator<Uint8Array, void, undefined>;
}

const encoder = new TextEncoder();

/** A chunk's bytes: its own, or its text encoded. */
export function chunkBytes(chunk: OutputChunk): Uint8Array {
  return chunk.bytes ?? encoder.encode(chunk.text);
}

export class JobOutput implements JobOutputSink, ByteOutput {
  private readonly chunks: OutputChunk[] = [];
  private ended = false;
  private byteCount = 0;
  private wakeReaders: (() => void)[] = [];

  constructor(
    /** Where a new stream starts, given how many chunks are already buffered: the first one, unless a mutant breaks it. */
    private readonly firstStreamedChunk: (buffered: number) => number = () => 0,
  ) {}

  append(chunk: OutputChunk): void {
    if (this.ended) return;
    this.chunks.push(chunk);
    this.byteCount += chunkBytes(chunk).length;
    this.wake();
  }

  /** No more output will come: streams finish once they have delivered everything. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  get complete(): boolean {
    return this.ended;
  }

  get size(): number {
    return this.byteCount;
  }

  /** Everything produced so far, stdout and stderr interleaved as produced. */
  text(): string {
    return this.chunks.map((chunk) => chunk.text).join('');
  }

  /** Every chunk from the first, then each new one as it comes, until the job ends. */
  async *stream(): AsyncGenerator<OutputChunk, void, undefined> {
    let next = this.firstStreamedChunk(this.chunks.length);
    for (;;) {
      while (next < this.chunks.length) yield this.chunks[next++] as OutputChunk;
      if (this.ended) return;
      await new Promise<void>((resolve) => this.wakeReaders.push(resolve));
    }
  }

  async *bytes(follow: boolean): AsyncGenerator<Uint8Array, void, undefined> {
    if (!follow) {
      for (const chunk of this.chunks.slice()) yield chunkBytes(chunk);
      return;
    }
    for await (const chunk of this.stream()) yield chunkBytes(chunk);
  }

  private wake(): void {
    const readers = this.wakeReaders;
    this.wakeReaders = [];
    for (const wake of readers) wake();
  }
}
