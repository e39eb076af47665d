/**
 * `stall`: a pause at the worst moment. The fault arms a stall for one process; the next time that
 * process reaches a landing point the scenario marks (just before a request to the lock store or to
 * a fence lands), the world freezes it for `ms` (a GC pause or a partition right then, when its
 * lease may lapse while it still believes it holds it: the process-pause problem of leases).
 *
 * A scenario declares it with `stall((state) => state.stalls)`, keeps a `PendingStalls` in its
 * state, and calls `land` (or `take`) at its landing points. Drawn like a pause: a target, and up
 * to `pauseMsMax`.
 */
import { z } from 'zod';
import type { Env } from '../../env/env.js';
import { processName } from '../process-id.js';
import type { World } from '../world.js';
import { atMs, defineFaultKind, type Fault, type FaultKind } from './kind.js';

/** The stalls armed in one run: process name → ms it will freeze for at its next landing point. */
export class PendingStalls {
  private readonly armed = new Map<string, number>();

  arm(target: string, ms: number): void {
    this.armed.set(target, ms);
  }

  /** The stall armed for process `name`, disarmed as it is taken (`undefined`: none). */
  take(name: string): number | undefined {
    const ms = this.armed.get(name);
    if (ms !== undefined) this.armed.delete(name);
    return ms;
  }

  /** A landing point of process `env`: freezes it for the stall armed for it, if any. */
  async land(world: World, env: Env): Promise<void> {
    const name = processName(env.id);
    const ms = this.take(name);
    if (ms === undefined) return;
    world.pause(name, ms);
    await env.sleep(0);
  }
}

export function stall<S>(stallsOf: (state: S) => PendingStalls): FaultKind<S> {
  return defineFaultKind<S>({
    name: 'stall',
    schema: z
      .object({
        at: atMs,
        kind: z.literal('stall'),
        target: z.string({ required_error: 'required: the process to stall' }).min(1),
        ms: z.number({ required_error: 'required: how long it stalls, ms' }).int().positive('expected ms > 0'),
      })
      .strict(),
    generate(prng, at, space): Fault[] {
      if (space.targets.length === 0) return [];
      return [{ at, kind: 'stall', target: prng.pick(space.targets), ms: prng.int(1, space.pauseMsMax ?? 10_000) }];
    },
    apply(_world, fault, state) {
      stallsOf(state).arm(fault.target as string, fault.ms as number);
    },
    magnitudes: [{ field: 'ms', gentlest: 1 }],
  });
}
