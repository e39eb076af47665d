/**
 * A tree of seeded random streams. The root is derived from the run's seed; every consumer forks
 * its own stream by name (`prng.fork('worker-1')`), so adding a consumer never shifts the numbers
 * another one draws. Each stream is seedrandom's Alea generator seeded with the stream's path.
 */
import seedrandom from 'seedrandom';

export class Prng {
  // Seeding hashes the path, which costs more than a thousand draws: streams that are only forked
  // from (a process's, say) never pay it.
  private generator: (() => number) | undefined;

  private constructor(readonly path: string) {}

  private draw(): number {
    this.generator ??= seedrandom.alea(this.path);
    return this.generator();
  }

  /** The root stream of a run. */
  static root(seed: number | string): Prng {
    return new Prng(`simrun/${seed}`);
  }

  /** An independent child stream; the same name always gives the same stream. */
  fork(name: string): Prng {
    return new Prng(`${this.path}/${name}`);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.draw() * (max - min + 1));
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + this.draw() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.draw() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.draw() * items.length)] as T;
  }

  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.draw());
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.draw();
    const v = this.draw();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal draw: heavy-tailed, always positive; `median` is its median. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}
