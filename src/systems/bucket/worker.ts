/**
 * A bucket worker: polls a directory, claims one file at a time so that no two workers process it,
 * simulates its processing time, commits its output exactly once and marks it done, and prints its
 * statistics every 5 files it completed. Production code over an `Env`, a `LockBackend` and a fence.
 *
 * Protocol for one file NAME (keys and paths in `layout.ts`):
 * 1. **claim**: a lease on `bucket/NAME` through `tryWithLock`, tried once (a held lease means another
 *    worker has it: move on), renewed in the background; losing it aborts the work. A worker that
 *    died holding it leaves the lease to expire, and then any worker takes the file over.
 * 2. **read and judge** the input (`input-format.ts`): incomplete → leave it for a later poll;
 *    unreadable → `rejected/NAME` with `rejected/NAME.reason` written first, so it is never lost.
 * 3. **recover**: if `output/NAME.tsv` exists, a previous holder committed and died before step 6:
 *    only step 6 is left to do.
 * 4. **process**: the fence must admit the lease's token, then sleep minutes × secondsInMin seconds.
 * 5. **commit**: write the output under a temporary name, have the fence admit the token again, then
 *    publish with `link(temp, output)`: exclusive, so `EEXIST` means someone already committed
 *    (logged as a duplicate, harmless). A crash at any point leaves no output or the whole output.
 * 6. **mark done**: rename the input to `processed/NAME` (`ENOENT`: someone else already did).
 *
 * Statistics count the files this incarnation committed (step 5 succeeded), in commit order; the
 * line is printed in the same step as the commit, so a crash never separates the two.
 *
 * Trace events: `BucketEvent` in `events.ts`.
 */
import { StoppableSleeper } from '../../env/cancellable-sleep.js';
import type { Env } from '../../env/env.js';
import { errorCode } from '../../env/fs.js';
import { sortNames } from '../../env/sort-names.js';
import { LockLostError } from '../../locks/errors.js';
import type { LockBackend } from '../../locks/lock.js';
import { tryWithLock } from '../../locks/with-lock.js';
import type { CommitFence } from './fence.js';
import { DEFAULT_SETTLE_MS, hasEndMarker, judgeInput, toTsv, type InputRecord } from './input-format.js';
import { bucketLayout, classifyEntry, entryTypeOfReadError, unreadableReason, type BucketLayout } from './layout.js';
import { Decimal } from './decimal.js';
import { emitBucket } from './events.js';
import { formatStatsLine, RollingStats, STATS_EVERY_FILES, type StatsSnapshot } from './stats.js';

/** Deliberately broken behaviours the harness must catch (see `mutants.ts`); all off by default. */
export interface WorkerFlaws {
  /** Claim by listing, then moving the file S3-style (copy, then delete), with no lock. */
  readonly claimByListThenMove?: boolean;
  /** Publish by overwriting and never look for an earlier commit: a retry commits twice. */
  readonly overwritingCommit?: boolean;
  /** Sum of squares over the last 5 files instead of all of them. */
  readonly statsOverLastFive?: boolean;
  /** Work on after the lease is known lost: the abort of the lease's signal is never looked at. */
  readonly ignoreLostLease?: boolean;
  /** Commit without asking the fence again (it admitted the token once, before the work). */
  readonly commitWithoutFence?: boolean;
  /** Take a file without an end marker at first sight, without waiting for it to settle. */
  readonly takeUnsettled?: boolean;
}

/** A signal that never aborts, for the `ignoreLostLease` flaw. */
function neverAborted(): AbortSignal {
  return new AbortController().signal;
}

export interface WorkerOptions {
  /** The bucket directory. */
  readonly dir: string;
  readonly lock: LockBackend;
  readonly fence: CommitFence;
  /** Real seconds per minute of processing time (60: real time; 0.01: a hundred minutes a second). */
  readonly secondsInMin: number;
  /** Wait between looks at an empty (or fully claimed) directory, ms. */
  readonly pollMs: number;
  /** Lease length per file, ms; renewed every third of it. */
  readonly leaseTtlMs: number;
  /**
   * A file without an end marker (the seed's `simulation.py` writes none) counts as whole once its
   * size and modification time held still this long between two looks, ms; `DEFAULT_SETTLE_MS` (10 s)
   * when absent. `Infinity`: only files with the marker are ever taken, so a writer that stalls
   * mid-file, however long, is never mistaken for a whole file.
   */
  readonly settleMs?: number;
  /** Stops the worker (real mode: SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly flaws?: WorkerFlaws;
}

type Outcome = 'done' | 'rejected' | 'busy' | 'incomplete' | 'gone' | 'fenced' | 'lost' | 'skipped';

/** Attempts of a storage step after the work is done, the first pause between them (doubling), and what counts as transient. */
const STORAGE_ATTEMPTS = 6;
const STORAGE_RETRY_MS = 1_000;
export const TRANSIENT_STORAGE_ERRORS: ReadonlySet<string> = new Set(['EIO', 'ENOSPC', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'EMFILE', 'ENFILE']);

/** Runs until `options.signal` aborts (forever in simulation: the world's horizon ends it). */
export async function runBucketWorker(env: Env, options: WorkerOptions): Promise<void> {
  const worker = new BucketWorker(env, options);
  await worker.run();
}

class BucketWorker {
  private readonly layout: BucketLayout;
  private readonly stats: StatsKeeper;
  private readonly flaws: WorkerFlaws;
  private readonly warned = new Set<string>();
  /** Input-named entries already reported as unreadable (one `bucket.skip` each per incarnation). */
  private readonly skipped = new Set<string>();
  /** Size and modification time last seen of each unmarked input, and since when (this worker's clock). */
  private readonly sizes = new Map<string, { size: number; mtimeMs: number; sinceMs: number }>();
  /**
   * Files another worker held when this one last tried, and when to try again (this worker's
   * clock). A held claim frees up only when its holder finishes (the file leaves the listing) or
   * its lease runs out, so trying again before a lease's length has passed is wasted work.
   */
  private readonly busyUntil = new Map<string, number>();
  private dirsReady = false;
  /** The sleeps between polls, which a stop calls off: one listener for the worker's life, not one per poll. */
  private readonly polls: StoppableSleeper;

  constructor(
    private readonly env: Env,
    private readonly options: WorkerOptions,
  ) {
    this.layout = bucketLayout(options.dir);
    this.flaws = options.flaws ?? {};
    this.stats = this.flaws.statsOverLastFive ? new LastFiveStats() : new RollingStats();
    this.polls = new StoppableSleeper(env, options.signal);
  }

  async run(): Promise<void> {
    const { env, options } = this;
    const stop = options.signal;
    try {
      // Start at a random phase, so workers started together do not poll in lockstep.
      if (!(await this.pause(Math.floor(env.random() * options.pollMs)))) return;
      while (!stop?.aborted) {
        let progressed = false;
        try {
          progressed = await this.pass();
        } catch (error) {
          if (stop?.aborted) return;
          emitBucket(env, { kind: 'bucket.error', data: { op: 'poll', error: String(error) } });
        }
        if (!progressed && !(await this.pause(options.pollMs))) return;
      }
    } finally {
      this.polls.close();
    }
  }

  /** Sleeps; false when the worker was told to stop meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await this.polls.sleep(ms);
      return true;
    } catch {
      return false;
    }
  }

  /** One look at the directory: handles the oldest file it can; true if one was finished. */
  private async pass(): Promise<boolean> {
    const { env, layout } = this;
    if (!this.dirsReady) {
      for (const dir of [layout.outputDir, layout.processedDir, layout.rejectedDir]) await env.fs.mkdir(dir, { recursive: true });
      this.dirsReady = true;
    }
    // Oldest first: the names sort in time order. A real directory lists in any order.
    const names = sortNames(await env.fs.readdir(layout.dir));
    for (const name of this.busyUntil.keys()) if (!names.includes(name)) this.busyUntil.delete(name);
    for (const name of names) {
      const kind = classifyEntry(name);
      if (kind === 'foreign' && !this.warned.has(name)) {
        this.warned.add(name);
        emitBucket(env, { kind: 'bucket.ignore', data: { file: name, reason: 'not a YYYY_MM_DD_HH_mm.txt name; left alone' } });
      }
      if (kind !== 'input') continue;
      if ((this.busyUntil.get(name) ?? Number.NEGATIVE_INFINITY) > env.now()) continue;
      const outcome = this.flaws.claimByListThenMove ? await this.claimByMoving(name) : await this.claimWithLease(name);
      // Processing took a while: the listing is stale, so look again from the oldest file.
      if (outcome === 'done' || outcome === 'rejected') return true;
    }
    return false;
  }

  private async claimWithLease(name: string): Promise<Outcome> {
    const { env, options } = this;
    try {
      const attempt = await tryWithLock(options.lock, `bucket/${name}`, env.id, (signal, lease) => this.handle(name, lease.token, this.flaws.ignoreLostLease ? neverAborted() : signal), {
        env,
        ttlMs: options.leaseTtlMs,
        // One try: a held lease means another worker has this file, so look at the next one.
        acquireTimeoutMs: 0,
      });
      if (attempt.acquired) return attempt.value;
      this.busyUntil.set(name, env.now() + options.leaseTtlMs);
      return 'busy';
    } catch (error) {
      if (error instanceof LockLostError) {
        emitBucket(env, { kind: 'bucket.abandon', data: { file: name, token: error.token, reason: error.message } });
        return 'lost';
      }
      throw error;
    }
  }

  /** The `claim-list-then-move` mutant: S3 has no rename, so "move" is copy, then delete, and nothing stops a second worker in between. */
  private async claimByMoving(name: string): Promise<Outcome> {
    const { env, layout } = this;
    let text: string;
    try {
      text = await env.fs.readFile(layout.input(name), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 'gone';
      throw error;
    }
    if (judgeInput(text, false).status !== 'ready') return 'incomplete';
    await env.fs.mkdir(`${layout.dir}/claimed`, { recursive: true });
    await env.fs.writeFile(layout.claimed(name), text);
    await env.fs.unlink(layout.input(name)).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
    return this.handle(name, 0, new AbortController().signal, layout.claimed(name));
  }

  /** Steps 2–6 for a file this worker holds with `token`. */
  private async handle(name: string, token: number, signal: AbortSignal, inputPath = this.layout.input(name)): Promise<Outcome> {
    const { env, layout, options } = this;
    emitBucket(env, { kind: 'bucket.claim', data: { file: name, token } });
    let text: string;
    try {
      text = await env.fs.readFile(inputPath, 'utf8');
    } catch (error) {
      const type = entryTypeOfReadError(errorCode(error));
      if (type !== undefined && classifyEntry(name, type) === 'unreadable') return this.skip(name, unreadableReason(type));
      if (errorCode(error) !== 'ENOENT') throw error;
      emitBucket(env, { kind: 'bucket.gone', data: { file: name, token } });
      return 'gone';
    }
    // A marked file is whole at once; only an unmarked one is looked at for settling (a stat).
    const whole = hasEndMarker(text) || this.flaws.takeUnsettled === true || (await this.settled(name, inputPath, text.length));
    const verdict = judgeInput(text, whole);
    if (verdict.status === 'incomplete') {
      emitBucket(env, { kind: 'bucket.incomplete', data: { file: name, bytes: text.length } });
      return 'incomplete';
    }
    if (verdict.status === 'reject') {
      await env.fs.writeFile(layout.rejectionReason(name), verdict.reason + '\n');
      await env.fs.rename(inputPath, layout.rejected(name));
      emitBucket(env, { kind: 'bucket.reject', data: { file: name, token, reason: verdict.reason } });
      return 'rejected';
    }
    if (!this.flaws.overwritingCommit && (await this.exists(layout.output(name)))) {
      emitBucket(env, { kind: 'bucket.recover', data: { file: name, token } });
      return this.markDone(name, inputPath);
    }

    if (!(await options.fence.admit(name, token, env.id))) return this.fenced(name, token, 'process');
    emitBucket(env, { kind: 'bucket.process.start', data: { file: name, token, minutes: verdict.minutes } });
    await this.work(name, token, Math.round(verdict.minutes * options.secondsInMin * 1000), signal);
    const temp = `${layout.outputDir}/.tmp-${env.id.replace(/[^\w-]/g, '_')}-${token}-${name}`;
    await this.retryingStorage('write-output', name, signal, () => env.fs.writeFile(temp, toTsv(verdict.records)));
    emitBucket(env, { kind: 'bucket.process.end', data: { file: name, token } });
    try {
      // Each attempt asks the fence again: a retry may come after the lease was lost.
      let attempt = 0;
      const committed = await this.retryingStorage('commit', name, signal, async () => {
        if (signal.aborted) throw signal.reason;
        attempt += 1;
        emitBucket(env, { kind: 'bucket.commit.begin', data: { file: name, token, attempt } });
        if (!this.flaws.commitWithoutFence && !(await options.fence.admit(name, token, env.id))) return false;
        await this.commit(name, token, temp, verdict.minutes, verdict.records);
        return true;
      });
      if (!committed) return this.fenced(name, token, 'commit');
    } finally {
      await env.fs.unlink(temp).catch(() => undefined);
    }
    // Not retried in place: once the output is committed, a failed mark-done is finished by the
    // next poll's recovery (step 3) without redoing any work.
    return this.markDone(name, inputPath);
  }

  /**
   * The file's processing time. A stop ends it at once rather than after the file (up to its
   * minutes × seconds-in-min, an hour and more in real time, past any supervisor's grace): nothing
   * is written yet, so the file is left whole in the bucket and its lease released on the way out,
   * for another worker to take at once. A lost lease ends it too (`signal`).
   */
  private async work(name: string, token: number, ms: number, signal: AbortSignal): Promise<void> {
    const stop = this.options.signal;
    if (stop === undefined) return this.env.sleep(ms, signal);
    const stopOrLoss = AbortSignal.any([signal, stop]);
    try {
      await this.env.sleep(ms, stopOrLoss);
    } catch (error) {
      if (stop.aborted && !signal.aborted) emitBucket(this.env, { kind: 'bucket.abandon', data: { file: name, token, reason: 'stopped mid-file: left whole for another worker' } });
      throw error;
    }
  }

  /**
   * Runs a storage step of a file whose work is done, retrying a failed one in place with backoff
   * while the lease holds: giving up would mean processing the whole file again (minutes of work)
   * for a transient EIO. Other errors, the last attempt's error, and a lost lease end it.
   */
  private async retryingStorage<T>(step: string, name: string, signal: AbortSignal, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        if (attempt >= STORAGE_ATTEMPTS || signal.aborted || !TRANSIENT_STORAGE_ERRORS.has(errorCode(error) ?? '')) throw error;
        emitBucket(this.env, { kind: 'bucket.retry', data: { file: name, step, attempt, error: String(error) } });
        await this.env.sleep(STORAGE_RETRY_MS * 2 ** (attempt - 1), signal);
      }
    }
  }

  private async commit(name: string, token: number, temp: string, minutes: number, records: readonly InputRecord[]): Promise<void> {
    const { env, layout } = this;
    if (this.flaws.overwritingCommit) {
      await env.fs.writeFile(layout.output(name), toTsv(records));
    } else {
      try {
        await env.fs.link(temp, layout.output(name));
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
        emitBucket(env, { kind: 'bucket.commit.duplicate', data: { file: name, token } });
        return;
      }
    }
    // Commit, statistics and the printed line in one step: no await between them.
    emitBucket(env, { kind: 'bucket.commit', data: { file: name, token, minutes } });
    const stats = this.stats.add(minutes);
    if (stats.filesProcessed % STATS_EVERY_FILES === 0) {
      // The event keeps numbers (exact below 2^53); the printed line is exact whatever the size.
      emitBucket(env, { kind: 'bucket.stats', data: { n: stats.filesProcessed, total: stats.totalTime.toNumber(), sumSquares: stats.sumOfSquares.toNumber() } });
      env.print(formatStatsLine(stats));
    }
  }

  private async markDone(name: string, inputPath: string): Promise<Outcome> {
    try {
      await this.env.fs.rename(inputPath, this.layout.processed(name));
      emitBucket(this.env, { kind: 'bucket.done', data: { file: name } });
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
    this.sizes.delete(name);
    this.busyUntil.delete(name);
    return 'done';
  }

  /**
   * Passes over an entry that is not a readable regular file, so one odd entry never stalls the
   * files behind it; it is reported once and looked at again only after a lease length (a
   * permission may be fixed), never moved: it may not be ours to move.
   */
  private skip(name: string, reason: string): Outcome {
    if (!this.skipped.has(name)) {
      this.skipped.add(name);
      emitBucket(this.env, { kind: 'bucket.skip', data: { file: name, reason } });
    }
    this.busyUntil.set(name, this.env.now() + this.options.leaseTtlMs);
    return 'skipped';
  }

  private fenced(name: string, token: number, step: 'process' | 'commit'): Outcome {
    emitBucket(this.env, { kind: 'bucket.fenced', data: { file: name, token, step } });
    return 'fenced';
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.env.fs.stat(path);
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Whether an unmarked file's size and modification time have held still for the settle time, by
   * this worker's clock: the first look only records them, so a file is taken at a later look.
   */
  private async settled(name: string, path: string, size: number): Promise<boolean> {
    const settleMs = this.options.settleMs ?? DEFAULT_SETTLE_MS;
    if (!Number.isFinite(settleMs)) return false;
    let mtimeMs: number;
    try {
      ({ mtimeMs } = await this.env.fs.stat(path));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
    const now = this.env.now();
    const seen = this.sizes.get(name);
    if (seen === undefined || seen.size !== size || seen.mtimeMs !== mtimeMs) {
      this.sizes.set(name, { size, mtimeMs, sinceMs: now });
      return false;
    }
    return now - seen.sinceMs >= settleMs;
  }
}

interface StatsKeeper {
  add(minutes: number): StatsSnapshot;
}

/** The `stats-last-5` mutant: the sum of squares over only the last 5 files. */
class LastFiveStats implements StatsKeeper {
  private readonly all = new RollingStats();
  private readonly recent: Decimal[] = [];

  add(minutes: number): StatsSnapshot {
    const { filesProcessed, totalTime } = this.all.add(minutes);
    const latest = Decimal.of(minutes);
    this.recent.push(latest);
    if (this.recent.length > STATS_EVERY_FILES) this.recent.shift();
    const sumOfSquares = this.recent.reduce((sum, x) => sum.plus(x.minus(latest).times(x.minus(latest))), Decimal.ZERO);
    return { filesProcessed, totalTime, sumOfSquares };
  }
}

