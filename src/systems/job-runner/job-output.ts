/**
 * One job's output: chunks appended in the order the job produced them, readable whole at any time
 * or streamed from the first chunk, live, until the job ends.
 */
import type { OutputChunk } from './executor.js';

export class JobOutput {
  private readonly chunks: OutputChunk[] = [];
  private ended = false;
  private wakeReaders: (() => void)[] = [];

  constructor(
    /** Where a new stream starts, given how many chunks are already buffered: the first one, unless a mutant breaks it. */
    private readonly firstStreamedChunk: (buffered: number) => number = () => 0,
  ) {}

  append(chunk: OutputChunk): void {
    if (this.ended) return;
    this.chunks.push(chunk);
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

  private wake(): void {
    const readers = this.wakeReaders;
    this.wakeReaders = [];
    for (const wake of readers) wake();
  }
}
