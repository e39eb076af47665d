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

/** Which of a job's output streams to read: one of them, or both interleaved as produced (the default). */
export type OutputView = 'merged' | 'stdout' | 'stderr';

/** A job's output as bytes, for serving it. */
export interface ByteOutput {
  /** Bytes appended so far (of `view`, merged by default). */
  sizeOf(view?: OutputView): number;
  /**
   * The bytes of `view` in order from the first: with `follow`, also each new one until the job
   * ends; without, exactly the first `sizeOf(view)` bytes as of the call.
   */
  bytes(follow: boolean, view?: OutputView): AsyncGenerator<Uint8Array, void, undefined>;
}

export interface JobOutputOptions {
  /** Chunks kept from before (a job recovered from a store), in order. */
  readonly initial?: readonly OutputChunk[];
  /** Ended already: nothing more will be appended. */
  readonly ended?: boolean;
  /** Told each chunk as it is appended (a store keeping it). */
  readonly onAppend?: (chunk: OutputChunk) => void;
  /** Whether a chunk on `stream` belongs to `view` (default: `inView`; a mutant may break it). */
  readonly inView?: (stream: OutputChunk['stream'], view: OutputView) => boolean;
}

/** Whether a chunk printed on `stream` is part of `view`: the merged view has every chunk, a stream's only its own. */
export function inView(stream: OutputChunk['stream'], view: OutputView): boolean {
  return view === 'merged' || stream === view;
}

const encoder = new TextEncoder();

/** A chunk's bytes: its own, or its text encoded. */
export function chunkBytes(chunk: OutputChunk): Uint8Array {
  return chunk.bytes ?? encoder.encode(chunk.text);
}

export class JobOutput implements JobOutputSink, ByteOutput {
  private readonly chunks: OutputChunk[] = [];
  private ended: boolean;
  private readonly byteCounts = { merged: 0, stdout: 0, stderr: 0 };
  private wakeReaders: (() => void)[] = [];
  private readonly onAppend: ((chunk: OutputChunk) => void) | undefined;
  private readonly inView: (stream: OutputChunk['stream'], view: OutputView) => boolean;

  constructor(
    /** Where a new stream starts, given how many chunks are already buffered: the first one, unless a mutant breaks it. */
    private readonly firstStreamedChunk: (buffered: number) => number = () => 0,
    options: JobOutputOptions = {},
  ) {
    for (const chunk of options.initial ?? []) this.keep(chunk);
    this.ended = options.ended ?? false;
    this.onAppend = options.onAppend;
    this.inView = options.inView ?? inView;
  }

  append(chunk: OutputChunk): void {
    if (this.ended) return;
    this.keep(chunk);
    this.onAppend?.(chunk);
    this.wake();
  }

  private keep(chunk: OutputChunk): void {
    this.chunks.push(chunk);
    const bytes = chunkBytes(chunk).length;
    this.byteCounts.merged += bytes;
    this.byteCounts[chunk.stream] += bytes;
  }

  /** No more output will come: streams finish once they have delivered everything. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  get complete(): boolean {
    return this.ended;
  }

  sizeOf(view: OutputView = 'merged'): number {
    return this.byteCounts[view];
  }

  /** Everything produced so far: stdout and stderr interleaved as produced, or one of them. */
  text(view: OutputView = 'merged'): string {
    return this.chunks
      .filter((chunk) => this.inView(chunk.stream, view))
      .map((chunk) => chunk.text)
      .join('');
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

  async *bytes(follow: boolean, view: OutputView = 'merged'): AsyncGenerator<Uint8Array, void, undefined> {
    const wanted = (chunk: OutputChunk): boolean => this.inView(chunk.stream, view);
    if (!follow) {
      for (const chunk of this.chunks.slice()) if (wanted(chunk)) yield chunkBytes(chunk);
      return;
    }
    for await (const chunk of this.stream()) if (wanted(chunk)) yield chunkBytes(chunk);
  }

  private wake(): void {
    const readers = this.wakeReaders;
    this.wakeReaders = [];
    for (const wake of readers) wake();
  }
}
