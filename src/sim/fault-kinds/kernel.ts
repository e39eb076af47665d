/**
 * The kernel's fault kinds: what the world itself can do to a process (crash, restart, pause, skew
 * or drift its clock) and to its storage (fail or slow file operations). They need no scenario
 * state; their generators read the bounds a scenario's fault space sets.
 */
import { z } from 'zod';
import type { FsLatency } from '../world.js';
import type { World } from '../world.js';
import type { FsOperation } from '../sim-fs.js';
import { atMs, defineFaultKind, positiveMs, processTarget, type Fault, type FaultKind, type FaultSpace } from './kind.js';
import type { Prng } from '../prng.js';
import { diskFull } from './disk-full.js';

/** Draws the target of a process fault; none when the space has no targets. */
function targetOf(prng: Prng, space: FaultSpace): string | undefined {
  return space.targets.length === 0 ? undefined : prng.pick(space.targets);
}

export const crash = defineFaultKind({
  name: 'crash',
  schema: z.object({ at: atMs, kind: z.literal('crash'), target: processTarget }).strict(),
  generate(prng, at, space): Fault[] {
    const target = targetOf(prng, space);
    if (target === undefined) return [];
    const restartAfterMs = space.restartAfterMsMax ?? 0;
    const crashed: Fault = { at, kind: 'crash', target };
    return restartAfterMs > 0 ? [crashed, { at: at + prng.int(1, restartAfterMs), kind: 'restart', target }] : [crashed];
  },
  apply: (world, fault) => world.crash(fault.target as string),
});

/**
 * A graceful stop (SIGTERM), as a supervisor or `kill` sends: the process runs the stop handler it
 * registered, or dies at once if it has none yet. Like a crash it may bring its restart.
 */
export const term = defineFaultKind({
  name: 'term',
  schema: z.object({ at: atMs, kind: z.literal('term'), target: processTarget }).strict(),
  generate(prng, at, space): Fault[] {
    const targets = space.stopTargets ?? space.targets;
    const target = targets.length === 0 ? undefined : prng.pick(targets);
    if (target === undefined) return [];
    const restartAfterMs = space.restartAfterMsMax ?? 0;
    const stopped: Fault = { at, kind: 'term', target };
    return restartAfterMs > 0 ? [stopped, { at: at + prng.int(1, restartAfterMs), kind: 'restart', target }] : [stopped];
  },
  apply: (world, fault) => world.stop(fault.target as string),
});

export const restart = defineFaultKind({
  name: 'restart',
  schema: z.object({ at: atMs, kind: z.literal('restart'), target: processTarget }).strict(),
  generate(prng, at, space): Fault[] {
    const target = targetOf(prng, space);
    return target === undefined ? [] : [{ at, kind: 'restart', target }];
  },
  apply: (world, fault) => world.restart(fault.target as string),
});

export const pause = defineFaultKind({
  name: 'pause',
  schema: z.object({ at: atMs, kind: z.literal('pause'), target: processTarget, ms: positiveMs }).strict(),
  generate(prng, at, space): Fault[] {
    const target = targetOf(prng, space);
    return target === undefined ? [] : [{ at, kind: 'pause', target, ms: prng.int(1, space.pauseMsMax ?? 10_000) }];
  },
  apply: (world, fault) => world.pause(fault.target as string, fault.ms as number),
  magnitudes: [{ field: 'ms', gentlest: 1 }],
});

export const skew = defineFaultKind({
  name: 'skew',
  schema: z.object({ at: atMs, kind: z.literal('skew'), target: processTarget, ms: z.number({ required_error: 'required: the clock offset in ms' }).int() }).strict(),
  generate(prng, at, space): Fault[] {
    const target = targetOf(prng, space);
    const max = space.skewMsMax ?? 1_000;
    return target === undefined ? [] : [{ at, kind: 'skew', target, ms: prng.int(-max, max) }];
  },
  apply: (world, fault) => world.setSkew(fault.target as string, fault.ms as number),
  magnitudes: [{ field: 'ms', gentlest: 0 }],
});

export const drift = defineFaultKind({
  name: 'drift',
  schema: z.object({ at: atMs, kind: z.literal('drift'), target: processTarget, ppm: z.number({ required_error: 'required: the drift in parts per million' }).int() }).strict(),
  generate(prng, at, space): Fault[] {
    const target = targetOf(prng, space);
    const max = space.driftPpmMax ?? 100;
    return target === undefined ? [] : [{ at, kind: 'drift', target, ppm: prng.int(-max, max) }];
  },
  apply: (world, fault) => world.setDrift(fault.target as string, fault.ppm as number),
  magnitudes: [{ field: 'ppm', gentlest: 0 }],
});

// Every operation of the simulated volume can be named by a plan, the descriptor-level ones that
// `load()`ed libraries use (open, read, write, fsync, …) as much as the path-level ones.
const fsOperation = z.enum(['readFile', 'writeFile', 'appendFile', 'rename', 'link', 'unlink', 'mkdir', 'readdir', 'stat', 'lstat', 'rm', 'rmdir', 'utimes', 'realpath', 'open', 'close', 'read', 'write', 'copyFile', 'fstat', 'fsync', 'truncate', 'mkdtemp', 'chmod', 'symlink', 'readlink', 'opendir']) satisfies z.ZodType<FsOperation>;

export const fsError = defineFaultKind({
  name: 'fs-error',
  schema: z
    .object({
      at: atMs,
      kind: z.literal('fs-error'),
      target: processTarget.optional(),
      op: fsOperation.optional(),
      path: z.string().optional(),
      code: z.enum(['EIO', 'ENOSPC']),
      count: z.number().int().positive().optional(),
    })
    .strict(),
  generate(prng, at, space): Fault[] {
    const target = targetOf(prng, space);
    return target === undefined ? [] : [{ at, kind: 'fs-error', target, code: prng.chance(0.5) ? 'EIO' : 'ENOSPC', count: prng.int(1, 3) }];
  },
  apply(world, fault) {
    world.injectFsFault({
      code: fault.code as string,
      ...(fault.op === undefined ? {} : { op: fault.op as never }),
      ...(fault.target === undefined ? {} : { target: fault.target }),
      ...(fault.path === undefined ? {} : { pathIncludes: fault.path as string }),
      count: (fault.count as number | undefined) ?? 1,
    });
  },
  magnitudes: [{ field: 'count', gentlest: 1 }],
});

export const fsSlow = defineFaultKind({
  name: 'fs-slow',
  schema: z.object({ at: atMs, kind: z.literal('fs-slow'), target: processTarget.optional(), ms: positiveMs, durationMs: positiveMs }).strict(),
  generate(prng, at, space): Fault[] {
    const target = targetOf(prng, space);
    return target === undefined ? [] : [{ at, kind: 'fs-slow', target, ms: prng.int(1, space.fsSlowMsMax ?? 500), durationMs: prng.int(1, space.fsSlowDurationMsMax ?? 60_000) }];
  },
  apply: (world, fault) => startSlowEpisode(world, fault.target, fault.ms as number, fault.durationMs as number),
  magnitudes: [
    { field: 'ms', gentlest: 1 },
    { field: 'durationMs', gentlest: 1 },
  ],
});

/** Every kernel kind, in the order plans list them. */
export const KERNEL_FAULT_KINDS: readonly FaultKind[] = [crash, restart, pause, skew, drift, fsError, fsSlow, diskFull, term];

/**
 * Slow-storage episodes may overlap, and a scenario may have set a baseline latency: while any
 * episode on a target lasts, the slowest one's latency holds; when the last one ends, the latency
 * from before the first one comes back. The bookkeeping lives on the world (`slowFsEpisodes`).
 */
function startSlowEpisode(world: World, target: string | undefined, ms: number, durationMs: number): void {
  const byTarget = world.slowFsEpisodes;
  const key = target ?? '';
  let episodes = byTarget.get(key);
  if (episodes === undefined) byTarget.set(key, (episodes = { baseline: world.getFsLatency(target), activeMs: [] }));
  const active = episodes;
  active.activeMs.push(ms);
  const slowest = (): FsLatency => ({ minMs: 0, maxMs: Math.max(...active.activeMs) });
  world.setFsLatency(slowest(), target);
  world.atFault(world.elapsed() + durationMs, () => {
    active.activeMs.splice(active.activeMs.indexOf(ms), 1);
    if (active.activeMs.length > 0) {
      world.setFsLatency(slowest(), target);
      return;
    }
    byTarget.delete(key);
    world.setFsLatency(active.baseline, target);
  });
}
