/**
 * The external provider (the seed's `simulation.py`): drops one file every interval, named after
 * the time it stands for, sometimes late, with uneven processing times.
 *
 * Writes are atomic by default: the file is written under a hidden name (`.part-NAME`) and renamed
 * into place, so a worker never sees it half written. With `atomicWrites: false` it is written in
 * place in two parts with a pause between, as a careless uploader would, and a worker can see the
 * first part alone (see `input-format.ts` for how workers cope). With `format: 'number-only'` a file
 * holds only its minutes, as the seed's `simulation.py` writes it.
 */
import type { Env } from '../../env/env.js';
import { errorCode } from '../../env/fs.js';
import { emitBucket } from './events.js';
import { TRANSIENT_STORAGE_ERRORS } from './worker.js';
import { bucketLayout } from './layout.js';
import { inputNameAt } from './layout.js';
import { renderInput, renderNumberOnly, type InputFormat, type InputRecord } from './input-format.js';

/** One file the provider will drop. */
export interface Drop {
  /** Position in the schedule, from 0. */
  readonly index: number;
  readonly name: string;
  /** The time the name stands for, ms since the Unix epoch. */
  readonly namedAtMs: number;
  /** When it appears, on the provider's clock, before any lag injected later. */
  readonly dueMs: number;
  readonly minutes: number;
  readonly records: readonly InputRecord[];
}

/** How late a file may appear: with probability `probability`, an exponential delay capped at `maxMs`. */
export interface LagDistribution {
  readonly probability: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

/** How long a file takes: log-normal minutes (heavy-tailed), rounded to whole minutes, in [minMinutes, maxMinutes]. */
export interface SizeDistribution {
  readonly medianMinutes: number;
  readonly sigma: number;
  readonly minMinutes: number;
  readonly maxMinutes: number;
}

export const NO_LAG: LagDistribution = { probability: 0, meanMs: 0, maxMs: 0 };

export interface DropScheduleOptions {
  /** The time the first file's name stands for, ms since the Unix epoch. */
  readonly firstNamedAtMs: number;
  /** When the first file is due on the provider's clock (its named time in simulation). */
  readonly firstDueMs: number;
  readonly files: number;
  /** Spacing of the names, ms (15 minutes in the seed). */
  readonly intervalMs: number;
  /** Spacing of the drops on the provider's clock; `intervalMs` unless the schedule is sped up. */
  readonly dueIntervalMs?: number;
  readonly lag: LagDistribution;
  readonly size: SizeDistribution;
  /** Fixed minutes per file (an appendix), used in order instead of drawing sizes. */
  readonly minutes?: readonly number[];
  /** Draws in [0, 1); the schedule is a pure function of this stream. */
  readonly random: () => number;
}

/** Draws the whole schedule up front, so its randomness never depends on timing. */
export function planDrops(options: DropScheduleOptions): Drop[] {
  const { random, lag, size } = options;
  const dueIntervalMs = options.dueIntervalMs ?? options.intervalMs;
  const drops: Drop[] = [];
  for (let index = 0; index < options.files; index += 1) {
    const namedAtMs = options.firstNamedAtMs + index * options.intervalMs;
    const lagMs = random() < lag.probability ? Math.min(lag.maxMs, Math.round(exponential(lag.meanMs, random))) : 0;
    const minutes = options.minutes?.[index] ?? Math.min(size.maxMinutes, Math.max(size.minMinutes, Math.round(size.medianMinutes * Math.exp(size.sigma * normal(random)))));
    const name = inputNameAt(namedAtMs);
    const rows = 1 + Math.floor(random() * 3);
    const records: InputRecord[] = [];
    for (let row = 0; row < rows; row += 1) {
      // A tab and a newline in some notes keep the ETL's escaping honest.
      records.push({ file: name, row, reading: Math.round(random() * 10_000) / 100, note: random() < 0.2 ? 'late\tentry\nfixed' : null });
    }
    drops.push({ index, name, namedAtMs, dueMs: options.firstDueMs + index * dueIntervalMs + lagMs, minutes, records });
  }
  return drops;
}

export interface ProviderOptions {
  readonly dir: string;
  readonly drops: readonly Drop[];
  /** Write under a hidden name and rename into place (default true). */
  readonly atomicWrites?: boolean;
  /** With non-atomic writes, the pause between the two parts, ms (default 2 000). */
  readonly splitPauseMs?: number;
  /** Extra delay of drop `index` decided after the schedule was drawn (an injected lag), ms. */
  readonly extraLagMs?: (index: number) => number;
  /** `marked` (default): minutes, JSON lines, end marker; `number-only`: the minutes alone, as the seed's provider writes. */
  readonly format?: InputFormat;
  /** After a drop failed with a transient storage error (a full disk), the first pause before writing it again, ms; doubles up to `DROP_RETRY_MAX_MS` (default 1 000). */
  readonly retryMs?: number;
}

/** The longest pause between two tries of one drop. */
export const DROP_RETRY_MAX_MS = 30_000;

/** Drops every file of `options.drops` when it is due, then returns. */
export async function provideDrops(env: Env, options: ProviderOptions): Promise<void> {
  const layout = bucketLayout(options.dir);
  const atomic = options.atomicWrites ?? true;
  const extraLagMs = options.extraLagMs ?? (() => 0);
  await env.fs.mkdir(layout.dir, { recursive: true });
  const pending = [...options.drops];
  while (pending.length > 0) {
    let next = 0;
    let nextDueMs = Number.POSITIVE_INFINITY;
    pending.forEach((drop, position) => {
      const due = drop.dueMs + extraLagMs(drop.index);
      if (due < nextDueMs) [next, nextDueMs] = [position, due];
    });
    const waitMs = nextDueMs - env.now();
    if (waitMs > 0) {
      // Look again on waking: a lag injected meanwhile may have moved this drop.
      await env.sleep(waitMs);
      continue;
    }
    const [drop] = pending.splice(next, 1) as [Drop];
    await retryingDrop(env, drop, options.retryMs ?? 1_000, () => writeDrop(env, layout.input(drop.name), layout.partial(drop.name), drop, atomic, options.splitPauseMs ?? 2_000, options.format ?? 'marked'));
  }
}

/**
 * Writes one drop until it is in place: a full disk (ENOSPC) or a transient EIO fails the write, not
 * the provider, which tries the same drop again after a pause, as an uploader does; giving up would
 * lose the file. The drop is late by the time the disk took to free. Other errors end the provider.
 */
async function retryingDrop(env: Env, drop: Drop, retryMs: number, write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (!TRANSIENT_STORAGE_ERRORS.has(errorCode(error) ?? '')) throw error;
      emitBucket(env, { kind: 'bucket.drop.retry', data: { file: drop.name, attempt, error: String(error) } });
      await env.sleep(Math.min(DROP_RETRY_MAX_MS, retryMs * 2 ** Math.min(attempt - 1, 20)));
    }
  }
}

async function writeDrop(env: Env, path: string, partialPath: string, drop: Drop, atomic: boolean, splitPauseMs: number, format: InputFormat): Promise<void> {
  const text = format === 'number-only' ? renderNumberOnly(drop.minutes) : renderInput(drop.minutes, drop.records);
  const facts = { file: drop.name, index: drop.index, namedAtMs: drop.namedAtMs, minutes: drop.minutes, rows: format === 'number-only' ? 0 : drop.records.length };
  if (atomic) {
    await env.fs.writeFile(partialPath, text);
    await env.fs.rename(partialPath, path);
  } else {
    const cut = 1 + Math.floor(env.random() * (text.length - 1));
    await env.fs.writeFile(path, text.slice(0, cut));
    emitBucket(env, { kind: 'bucket.drop.partial', data: { file: drop.name, bytes: cut, of: text.length } });
    await env.sleep(splitPauseMs);
    await env.fs.appendFile(path, text.slice(cut));
  }
  emitBucket(env, { kind: 'bucket.drop', data: facts });
}

/** A standard normal draw (Box–Muller) from a uniform stream. */
function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function exponential(mean: number, random: () => number): number {
  return -mean * Math.log(1 - random());
}
