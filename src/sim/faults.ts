/**
 * Faults are data. A `FaultPlan` is a plain JSON list of `{ at, kind, target, ... }`, sorted by
 * `at` (virtual ms past the epoch). A seed generates one from the rates a scenario declares; a
 * plan file replays or overrides one; fast-check shrinks one. The kernel knows the process and
 * filesystem kinds below; a scenario may add kinds of its own (a lagging file drop, say) with
 * their own schema and effect.
 */
import { z } from 'zod';
import { InputError } from '../env/errors.js';
import type { Prng } from './prng.js';
import type { World } from './world.js';

const at = z.number({ invalid_type_error: 'expected a number of ms' }).int('expected an integer number of ms').nonnegative('expected ms >= 0');
const target = z.string({ required_error: 'required: the process name', invalid_type_error: 'expected a process name' }).min(1, 'expected a process name');
const positiveMs = z.number({ required_error: 'required: a duration in ms', invalid_type_error: 'expected a number of ms' }).int('expected an integer number of ms').positive('expected ms > 0');
const fsOperation = z.enum(['readFile', 'writeFile', 'appendFile', 'rename', 'link', 'unlink', 'mkdir', 'readdir', 'stat', 'rm']);

/** The schema of each fault kind the kernel applies by itself. */
export const kernelFaultSchemas = {
  crash: z.object({ at, kind: z.literal('crash'), target }).strict(),
  restart: z.object({ at, kind: z.literal('restart'), target }).strict(),
  pause: z.object({ at, kind: z.literal('pause'), target, ms: positiveMs }).strict(),
  skew: z.object({ at, kind: z.literal('skew'), target, ms: z.number({ required_error: 'required: the clock offset in ms' }).int() }).strict(),
  drift: z.object({ at, kind: z.literal('drift'), target, ppm: z.number({ required_error: 'required: the drift in parts per million' }).int() }).strict(),
  'fs-error': z
    .object({
      at,
      kind: z.literal('fs-error'),
      target: target.optional(),
      op: fsOperation.optional(),
      path: z.string().optional(),
      code: z.enum(['EIO', 'ENOSPC']),
      count: z.number().int().positive().optional(),
    })
    .strict(),
  'fs-slow': z.object({ at, kind: z.literal('fs-slow'), target: target.optional(), ms: positiveMs, durationMs: positiveMs }).strict(),
} as const;

export type KernelFaultKind = keyof typeof kernelFaultSchemas;
export const KERNEL_FAULT_KINDS = Object.keys(kernelFaultSchemas) as KernelFaultKind[];

/** One fault: when, what, whom, and the kind's own fields. */
export interface Fault {
  readonly at: number;
  readonly kind: string;
  readonly target?: string;
  readonly [field: string]: unknown;
}

export type FaultPlan = readonly Fault[];

/** A fault kind a scenario adds: its schema, and what it does to the world. */
export interface FaultKindDefinition {
  readonly schema: z.ZodTypeAny;
  apply(world: World, fault: Fault): void;
  /** Integer fields that measure how strong the fault is, each with its gentlest value (for shrinking). */
  readonly magnitudes?: readonly { readonly field: string; readonly gentlest: number }[];
}

export class PlanError extends InputError {
  override readonly name = 'PlanError';
}

/**
 * Validates a plan read from JSON. Throws a `PlanError` with one line naming the entry and the
 * field: `fault 2 (pause): field 'ms': expected ms > 0`.
 */
export function parseFaultPlan(input: unknown, extraKinds: Readonly<Record<string, FaultKindDefinition>> = {}, targets?: readonly string[]): Fault[] {
  const entries = Array.isArray(input) ? input : isRecord(input) && Array.isArray(input.faults) ? input.faults : undefined;
  if (entries === undefined) throw new PlanError('a fault plan must be a JSON list of faults (or an object with a "faults" list)');
  const known = [...KERNEL_FAULT_KINDS, ...Object.keys(extraKinds)];
  const plan = entries.map((entry: unknown, index: number): Fault => {
    if (!isRecord(entry)) throw new PlanError(`fault ${index}: expected an object like { "at": 1000, "kind": "crash", "target": "worker-1" }`);
    const kind = entry.kind;
    if (typeof kind !== 'string') throw new PlanError(`fault ${index}: field 'kind': required, one of ${known.join(', ')}`);
    const schema = (kernelFaultSchemas as Record<string, z.ZodTypeAny>)[kind] ?? extraKinds[kind]?.schema;
    if (schema === undefined) throw new PlanError(`fault ${index}: field 'kind': unknown kind '${kind}' (known: ${known.join(', ')})`);
    const parsed = schema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? (issue.keys ?? []).join(', ') : '');
      const message = issue?.code === 'unrecognized_keys' ? 'unknown field' : (issue?.message ?? 'invalid');
      throw new PlanError(`fault ${index} (${kind}): field '${field}': ${message}`);
    }
    const fault = parsed.data as Fault;
    if (targets !== undefined && typeof fault.target === 'string' && !targets.includes(fault.target)) {
      throw new PlanError(`fault ${index} (${kind}): field 'target': unknown process '${fault.target}' (known: ${targets.join(', ')})`);
    }
    return fault;
  });
  return sortPlan(plan);
}

/** Orders a plan by time, then kind, then target, so equal plans serialize equally. */
export function sortPlan(plan: readonly Fault[]): Fault[] {
  return [...plan].sort((a, b) => a.at - b.at || compare(a.kind, b.kind) || compare(a.target ?? '', b.target ?? ''));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Schedules every fault of `plan` in `world`, each before anything else at its instant. */
export function applyFaultPlan(world: World, plan: FaultPlan, extraKinds: Readonly<Record<string, FaultKindDefinition>> = {}): void {
  for (const fault of plan) {
    world.atFault(fault.at, () => {
      world.record('world', `fault.${fault.kind}`, { ...fault });
      applyFault(world, fault, extraKinds);
    });
  }
}

function applyFault(world: World, fault: Fault, extraKinds: Readonly<Record<string, FaultKindDefinition>>): void {
  const target = fault.target;
  switch (fault.kind) {
    case 'crash':
      world.crash(target as string);
      return;
    case 'restart':
      world.restart(target as string);
      return;
    case 'pause':
      world.pause(target as string, fault.ms as number);
      return;
    case 'skew':
      world.setSkew(target as string, fault.ms as number);
      return;
    case 'drift':
      world.setDrift(target as string, fault.ppm as number);
      return;
    case 'fs-error':
      world.injectFsFault({
        code: fault.code as string,
        ...(fault.op === undefined ? {} : { op: fault.op as never }),
        ...(target === undefined ? {} : { target }),
        ...(fault.path === undefined ? {} : { pathIncludes: fault.path as string }),
        count: (fault.count as number | undefined) ?? 1,
      });
      return;
    case 'fs-slow': {
      startSlowEpisode(world, target, fault.ms as number, fault.durationMs as number);
      return;
    }
    default: {
      const definition = extraKinds[fault.kind];
      if (definition === undefined) throw new PlanError(`unknown fault kind '${fault.kind}'`);
      definition.apply(world, fault);
    }
  }
}

/**
 * Slow-storage episodes may overlap, and a scenario may have set a baseline latency: while any
 * episode on a target lasts, the slowest one's latency holds; when the last one ends, the latency
 * from before the first one comes back.
 */
const slowEpisodes = new WeakMap<World, Map<string, { baseline: ReturnType<World['getFsLatency']>; activeMs: number[] }>>();

function startSlowEpisode(world: World, target: string | undefined, ms: number, durationMs: number): void {
  let byTarget = slowEpisodes.get(world);
  if (byTarget === undefined) slowEpisodes.set(world, (byTarget = new Map()));
  const key = target ?? '';
  let episodes = byTarget.get(key);
  if (episodes === undefined) byTarget.set(key, (episodes = { baseline: world.getFsLatency(target), activeMs: [] }));
  const active = episodes;
  active.activeMs.push(ms);
  world.setFsLatency({ minMs: 0, maxMs: Math.max(...active.activeMs) }, target);
  world.atFault(world.elapsed() + durationMs, () => {
    active.activeMs.splice(active.activeMs.indexOf(ms), 1);
    if (active.activeMs.length > 0) {
      world.setFsLatency({ minMs: 0, maxMs: Math.max(...active.activeMs) }, target);
      return;
    }
    byTarget.delete(key);
    world.setFsLatency(active.baseline, target);
  });
}

// ---- generation from rates ----------------------------------------------------------------------

/** Expected number of faults of each kind over a scenario's fault window. */
export type FaultRates = Readonly<Partial<Record<KernelFaultKind | string, number>>>;

/** What a seed may inject into a scenario. Units last: every duration is in ms. */
export interface FaultSpace {
  /** Process names faults may hit. */
  readonly targets: readonly string[];
  /** Faults land in [0, windowMs) past the epoch. */
  readonly windowMs: number;
  readonly rates: FaultRates;
  /** Longest pause drawn. */
  readonly pauseMsMax?: number;
  /** Largest clock offset drawn, either sign. */
  readonly skewMsMax?: number;
  /** Largest drift drawn, either sign. */
  readonly driftPpmMax?: number;
  /** A crashed process restarts after up to this long (never, when 0). */
  readonly restartAfterMsMax?: number;
  /** Longest slow-storage episode, and its largest per-operation latency. */
  readonly fsSlowMsMax?: number;
  readonly fsSlowDurationMsMax?: number;
  /** Generators for a scenario's own fault kinds, keyed by kind. */
  readonly extraGenerators?: Readonly<Record<string, (prng: Prng, at: number) => Fault>>;
}

/**
 * Draws a plan from the rates: for each kind, a count whose mean is its rate, then for each fault a
 * time, a target and its fields, all from `prng`. A crash is followed by its restart when the space
 * allows restarts.
 */
export function generateFaultPlan(space: FaultSpace, prng: Prng): Fault[] {
  const plan: Fault[] = [];
  const kinds = Object.keys(space.rates).sort();
  for (const kind of kinds) {
    const rate = space.rates[kind] ?? 0;
    const kindPrng = prng.fork(kind);
    const count = Math.floor(rate) + (kindPrng.chance(rate - Math.floor(rate)) ? 1 : 0);
    for (let index = 0; index < count; index++) {
      const faultAt = kindPrng.int(0, Math.max(0, space.windowMs - 1));
      const generated = generateOne(kind, faultAt, space, kindPrng);
      plan.push(...generated);
    }
  }
  return sortPlan(plan);
}

function generateOne(kind: string, faultAt: number, space: FaultSpace, prng: Prng): Fault[] {
  const extra = space.extraGenerators?.[kind];
  if (extra !== undefined) return [extra(prng, faultAt)];
  if (space.targets.length === 0) return [];
  const target = prng.pick(space.targets);
  switch (kind) {
    case 'crash': {
      const restartAfterMs = space.restartAfterMsMax ?? 0;
      const crash: Fault = { at: faultAt, kind: 'crash', target };
      return restartAfterMs > 0 ? [crash, { at: faultAt + prng.int(1, restartAfterMs), kind: 'restart', target }] : [crash];
    }
    case 'restart':
      return [{ at: faultAt, kind: 'restart', target }];
    case 'pause':
      return [{ at: faultAt, kind: 'pause', target, ms: prng.int(1, space.pauseMsMax ?? 10_000) }];
    case 'skew': {
      const max = space.skewMsMax ?? 1_000;
      return [{ at: faultAt, kind: 'skew', target, ms: prng.int(-max, max) }];
    }
    case 'drift': {
      const max = space.driftPpmMax ?? 100;
      return [{ at: faultAt, kind: 'drift', target, ppm: prng.int(-max, max) }];
    }
    case 'fs-error':
      return [{ at: faultAt, kind: 'fs-error', target, code: prng.chance(0.5) ? 'EIO' : 'ENOSPC', count: prng.int(1, 3) }];
    case 'fs-slow':
      return [{ at: faultAt, kind: 'fs-slow', target, ms: prng.int(1, space.fsSlowMsMax ?? 500), durationMs: prng.int(1, space.fsSlowDurationMsMax ?? 60_000) }];
    default:
      throw new PlanError(`the fault space has a rate for '${kind}' but no generator for it`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
