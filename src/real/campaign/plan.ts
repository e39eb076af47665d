/**
 * The real nemesis's schedule: a fault plan in the simulator's format (`{ at, kind, target, ... }`,
 * sorted by `at`), where `at` and `ms` are real milliseconds past the start of a run instead of
 * virtual ones. Five kinds, each one thing the operating system does to a process:
 *
 * - `kill`: SIGKILL, which no handler can catch (a crash, an OOM kill, a pulled plug);
 * - `term`: SIGTERM, the graceful stop a supervisor or `kill` sends;
 * - `pause`: SIGSTOP, then SIGCONT `ms` later (a long GC pause, a swapped-out or suspended VM);
 * - `restart`: a fresh incarnation of the target (a stopped one is started; a live one is killed first).
 * - `clock`: the target's clock set `offsetMs` off true time (its `env.now()`, through the offset file
 *   `realEnv` re-reads; see `src/env/real-env.ts`), from now on and across its restarts, as a machine's
 *   clock stays wrong when its program restarts. Only simrun's own processes read it.
 *
 * And three faults of the store, no target: `sqlite-busy` (another process holds a write transaction on
 * the SQLite file for `ms`), `pg-terminate` (`pg_terminate_backend` of every other connection to the
 * PostgreSQL database: the clients' connections drop mid-use) and `disk-full` (the system's directory,
 * on a small tmpfs of its own, is filled to the last byte for `ms`: every write there fails with ENOSPC).
 *
 * A seed draws a plan from a `RealFaultSpace` (a stopped process gets its restart with it, as the
 * simulator's `crash` does); `--plan FILE` replays one, validated here with one-line errors.
 */
import { z } from 'zod';
import { PlanError } from '../../sim/faults.js';
import type { Fault } from '../../sim/fault-kinds/kind.js';
import { atMs, positiveMs, processTarget } from '../../sim/fault-kinds/kind.js';
import { Prng } from '../../sim/prng.js';

export type RealFaultKind = 'kill' | 'term' | 'pause' | 'restart' | 'clock' | 'sqlite-busy' | 'pg-terminate' | 'disk-full';

export const REAL_FAULT_KINDS: readonly RealFaultKind[] = ['kill', 'term', 'pause', 'restart', 'clock', 'sqlite-busy', 'pg-terminate', 'disk-full'];

/** One nemesis action. */
export type RealFault =
  | { readonly at: number; readonly kind: 'kill' | 'term' | 'restart'; readonly target: string }
  | { readonly at: number; readonly kind: 'pause'; readonly target: string; readonly ms: number }
  | { readonly at: number; readonly kind: 'clock'; readonly target: string; readonly offsetMs: number }
  | { readonly at: number; readonly kind: 'sqlite-busy' | 'disk-full'; readonly target?: undefined; readonly ms: number }
  | { readonly at: number; readonly kind: 'pg-terminate'; readonly target?: undefined };

export type RealPlan = readonly RealFault[];

const SCHEMAS: Readonly<Record<RealFaultKind, z.ZodTypeAny>> = {
  kill: z.object({ at: atMs, kind: z.literal('kill'), target: processTarget }).strict(),
  term: z.object({ at: atMs, kind: z.literal('term'), target: processTarget }).strict(),
  restart: z.object({ at: atMs, kind: z.literal('restart'), target: processTarget }).strict(),
  pause: z.object({ at: atMs, kind: z.literal('pause'), target: processTarget, ms: positiveMs }).strict(),
  clock: z.object({ at: atMs, kind: z.literal('clock'), target: processTarget, offsetMs: z.number().int().min(-86_400_000).max(86_400_000) }).strict(),
  'sqlite-busy': z.object({ at: atMs, kind: z.literal('sqlite-busy'), ms: positiveMs }).strict(),
  'pg-terminate': z.object({ at: atMs, kind: z.literal('pg-terminate') }).strict(),
  'disk-full': z.object({ at: atMs, kind: z.literal('disk-full'), ms: positiveMs }).strict(),
};

/** The kinds that strike the store rather than a process: no target. */
const STORE_KINDS: ReadonlySet<RealFaultKind> = new Set(['sqlite-busy', 'pg-terminate', 'disk-full']);

/** What a seed may do to a run. All durations in real ms. */
export interface RealFaultSpace {
  /** Process names the nemesis may hit. */
  readonly targets: readonly string[];
  /** Actions land in [0, windowMs) past the run's start. */
  readonly windowMs: number;
  /** Expected number of strikes of each kind per run. */
  readonly rates: Readonly<Partial<Record<RealFaultKind, number>>>;
  /** A pause lasts between these. */
  readonly pauseMsMin: number;
  readonly pauseMsMax: number;
  /** A killed or stopped process is restarted after between these. */
  readonly restartAfterMsMin: number;
  readonly restartAfterMsMax: number;
  /** A `clock` action sets an offset within ±this (rates.clock > 0 needs it). */
  readonly clockOffsetMsMax?: number;
  /** A `sqlite-busy` action holds the file for between these. */
  readonly busyMsMin?: number;
  readonly busyMsMax?: number;
  /** A `disk-full` action keeps the disk full for between these. */
  readonly diskFullMsMin?: number;
  readonly diskFullMsMax?: number;
}

/** Orders a plan by time, then kind, then target, so equal plans serialize equally. */
export function sortRealPlan(plan: readonly RealFault[]): RealFault[] {
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...plan].sort((a, b) => a.at - b.at || compare(a.kind, b.kind) || compare(a.target ?? '', b.target ?? ''));
}

/** Draws one run's plan from `seed`: the same seed, space and targets always give the same plan. */
export function drawRealPlan(seed: number, space: RealFaultSpace): RealFault[] {
  const root = Prng.root(seed).fork('real-nemesis');
  const plan: RealFault[] = [];
  if (space.targets.length === 0) return plan;
  for (const kind of REAL_FAULT_KINDS) {
    const rate = space.rates[kind] ?? 0;
    const prng = root.fork(kind);
    const count = Math.floor(rate) + (prng.chance(rate - Math.floor(rate)) ? 1 : 0);
    for (let index = 0; index < count; index++) {
      const at = prng.int(0, Math.max(0, space.windowMs - 1));
      if (kind === 'sqlite-busy') {
        plan.push({ at, kind, ms: prng.int(space.busyMsMin ?? 100, space.busyMsMax ?? 1_000) });
        continue;
      }
      if (kind === 'disk-full') {
        plan.push({ at, kind, ms: prng.int(space.diskFullMsMin ?? 300, space.diskFullMsMax ?? 2_000) });
        continue;
      }
      if (kind === 'pg-terminate') {
        plan.push({ at, kind });
        continue;
      }
      const target = prng.pick(space.targets);
      if (kind === 'clock') {
        const max = space.clockOffsetMsMax ?? 0;
        plan.push({ at, kind, target, offsetMs: prng.int(-max, max) });
      } else if (kind === 'pause') {
        plan.push({ at, kind, target, ms: prng.int(space.pauseMsMin, space.pauseMsMax) });
      } else if (kind === 'restart') {
        plan.push({ at, kind, target });
      } else {
        plan.push({ at, kind, target }, { at: at + prng.int(space.restartAfterMsMin, space.restartAfterMsMax), kind: 'restart', target });
      }
    }
  }
  return sortRealPlan(plan);
}

/**
 * Validates a plan read from JSON (a list, or an object with a `faults` or `plan` list): every entry
 * one of the known kinds, strict fields, a target among `targets`. One line per error, naming the entry.
 */
export function parseRealPlan(input: unknown, targets: readonly string[]): RealFault[] {
  const record = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
  const entries = Array.isArray(input) ? input : Array.isArray(record?.faults) ? record.faults : Array.isArray(record?.plan) ? record.plan : undefined;
  if (entries === undefined) throw new PlanError('a nemesis plan must be a JSON list of actions like { "at": 500, "kind": "kill", "target": "worker-1" }');
  const plan = entries.map((entry: unknown, index: number): RealFault => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new PlanError(`action ${index}: expected an object like { "at": 500, "kind": "kill", "target": "worker-1" }`);
    const kind = (entry as { kind?: unknown }).kind;
    const schema = typeof kind === 'string' ? SCHEMAS[kind as RealFaultKind] : undefined;
    if (schema === undefined) throw new PlanError(`action ${index}: field 'kind': ${typeof kind === 'string' ? `unknown kind '${kind}'` : 'required'} (known: ${REAL_FAULT_KINDS.join(', ')})`);
    const parsed = schema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? (issue.keys ?? []).join(', ') : '');
      throw new PlanError(`action ${index} (${kind}): field '${field}': ${issue?.code === 'unrecognized_keys' ? 'unknown field' : (issue?.message ?? 'invalid')}`);
    }
    const fault = parsed.data as RealFault;
    if (fault.target !== undefined && !STORE_KINDS.has(fault.kind) && !targets.includes(fault.target)) throw new PlanError(`action ${index} (${kind}): field 'target': unknown process '${fault.target}' (known: ${targets.join(', ')})`);
    return fault;
  });
  return sortRealPlan(plan);
}

/** A plan as the simulator's `Fault` list, for results and reports. */
export function asFaultPlan(plan: RealPlan): Fault[] {
  return plan.map((fault) => ({ ...fault }));
}

/** `kill worker-2 @812ms`, `pause worker-1 1200ms @2010ms`, `clock client-1 -800ms @90ms`, `sqlite-busy 700ms @40ms`, `disk-full 900ms @1200ms`. */
export function describeRealFault(fault: RealFault): string {
  switch (fault.kind) {
    case 'pause':
      return `pause ${fault.target} ${fault.ms}ms @${fault.at}ms`;
    case 'clock':
      return `clock ${fault.target} ${fault.offsetMs >= 0 ? '+' : ''}${fault.offsetMs}ms @${fault.at}ms`;
    case 'sqlite-busy':
    case 'disk-full':
      return `${fault.kind} ${fault.ms}ms @${fault.at}ms`;
    case 'pg-terminate':
      return `pg-terminate @${fault.at}ms`;
    default:
      return `${fault.kind} ${fault.target} @${fault.at}ms`;
  }
}
