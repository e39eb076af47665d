/**
 * `crash-in-call`: a crash at the worst moment. The fault arms a crash for one process; the next time
 * that process writes to its store (a landing point the scenario marks), it dies there: before the
 * write lands (`landed: false`, nothing was written) or after it landed and before the answer came
 * back (`landed: true`, the write holds, the caller never heard). A crash drawn uniformly over hours
 * almost never falls inside a write of a few ms, the moment two steps that must go together (start a
 * job, record it) come apart; processes spend much of their life waiting on such calls, and the
 * kernel kills them there as readily as anywhere. `restartAfterMs` later it is started again, unless
 * something restarted it meanwhile.
 *
 * A scenario declares it with `crashInCall((state) => state.crashes)`, keeps a `PendingCrashes` in
 * its state, and calls `land` at its landing points.
 */
import { z } from 'zod';
import type { Env } from '../../env/env.js';
import { processName } from '../process-id.js';
import type { World } from '../world.js';
import { atMs, defineFaultKind, positiveMs, type Fault, type FaultKind } from './kind.js';

/** Whether a crash strikes before the write lands or after. */
export type LandingPhase = 'before' | 'after';

/** The crashes armed in one run: process name → where it dies and when it comes back. */
export class PendingCrashes {
  private readonly armed = new Map<string, { readonly landed: boolean; readonly restartAfterMs: number; passes: number }>();

  /** `passes`: how many of the target's writes go through before the one it dies in. */
  arm(target: string, landed: boolean, restartAfterMs: number, passes = 0): void {
    this.armed.set(target, { landed, restartAfterMs, passes });
  }

  /**
   * A landing point of process `env`, `phase` its write: crashes it there if a crash is armed for
   * that phase (and then never resolves, as a dead process never runs on); else `undefined`, at once.
   */
  land(world: World, env: Env, phase: LandingPhase): Promise<void> | undefined {
    const name = processName(env.id);
    const crash = this.armed.get(name);
    if (crash === undefined || crash.landed !== (phase === 'after')) return undefined;
    if (crash.passes > 0) {
      crash.passes -= 1;
      return undefined;
    }
    this.armed.delete(name);
    // The crash is an event of this instant, as every other crash is: what the process had already
    // done settles first (a row of its that landed a moment ago is heard, and traced), and this write
    // never goes on to land: the process waits on it until it dies.
    world.at(world.elapsed(), () => {
      const incarnations = world.process(name).incarnations;
      world.crash(name);
      world.at(world.elapsed() + crash.restartAfterMs, () => {
        if (world.process(name).incarnations === incarnations) world.restart(name);
      });
    });
    return new Promise<void>(() => undefined);
  }
}

/** The most writes a crash-in-call lets through before the one it strikes in. */
const MOST_PASSES = 3;

/** The longest a drawn crash-in-call keeps its process down, ms. */
const QUICK_RESTART_MS_MAX = 5_000;

/**
 * `afterLanding`: seeds also draw crashes after the write landed (half of them); without it they
 * draw only crashes before it lands, and a plan may still ask for the other (`landed: true`).
 */
export function crashInCall<S>(crashesOf: (state: S) => PendingCrashes, options: { readonly afterLanding?: boolean } = {}): FaultKind<S> {
  return defineFaultKind<S>({
    name: 'crash-in-call',
    schema: z
      .object({
        at: atMs,
        kind: z.literal('crash-in-call'),
        target: z.string({ required_error: 'required: the process to crash' }).min(1),
        landed: z.boolean({ required_error: 'required: whether the write lands before the crash' }),
        restartAfterMs: positiveMs,
        passes: z.number().int().nonnegative().max(MOST_PASSES).optional(),
      })
      .strict(),
    generate(prng, at, space): Fault[] {
      if (space.targets.length === 0) return [];
      // Restarted as a supervisor restarts a service that died (systemd waits 100 ms by default): within
      // seconds, while what the dead process left running still runs.
      const restartAfterMs = prng.int(1, Math.min(space.restartAfterMsMax ?? 60_000, QUICK_RESTART_MS_MAX));
      const target = prng.pick(space.targets);
      const landed = options.afterLanding === true && prng.chance(0.5);
      // Not always the first write after `at`: one of the next few, so that a crash also falls inside
      // the writes that follow one another (a restart's row, then the attempt's, then the row naming
      // its process group) and not mostly in the first, the one a quiet spell ends with.
      const passes = prng.int(0, MOST_PASSES);
      return [{ at, kind: 'crash-in-call', target, landed, restartAfterMs, ...(passes === 0 ? {} : { passes }) }];
    },
    apply(_world, fault, state) {
      crashesOf(state).arm(fault.target as string, fault.landed as boolean, fault.restartAfterMs as number, (fault.passes as number | undefined) ?? 0);
    },
    magnitudes: [{ field: 'restartAfterMs', gentlest: 1 }],
  });
}
