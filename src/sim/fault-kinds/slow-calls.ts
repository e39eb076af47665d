/**
 * `slow-calls`: for `durationMs`, calls to a store (a lock server, a database) take up to `ms` each
 * way. The scenario keeps the latency its calls are made with in its state (`{ maxMs }`, read at
 * every call) and declares the kind with `slowCalls((state) => state.latency)`; the episode raises
 * `maxMs` and puts back the value it found when it ends.
 *
 * Drawn from `slowCallsMsMax` and `slowCallsDurationMsMin`/`Max`. A scenario may give the kind its
 * own name (`{ name: 'lock-slow' }`), so plans written with that name keep replaying.
 */
import { z } from 'zod';
import { atMs, defineFaultKind, type Fault, type FaultKind } from './kind.js';

/** The latency a scenario's calls to a store are made with; `maxMs` is read at every call. */
export interface CallLatency {
  maxMs: number;
}

export function slowCalls<S>(latencyOf: (state: S) => CallLatency, options: { readonly name?: string } = {}): FaultKind<S> {
  const name = options.name ?? 'slow-calls';
  return defineFaultKind<S>({
    name,
    schema: z
      .object({
        at: atMs,
        kind: z.literal(name),
        ms: z.number({ required_error: 'required: the longest one-way latency of a call during the episode, ms' }).int().positive('expected ms > 0'),
        durationMs: z.number({ required_error: 'required: how long the episode lasts, ms' }).int().positive('expected durationMs > 0'),
      })
      .strict(),
    generate(prng, at, space): Fault[] {
      const ms = prng.int(1, space.slowCallsMsMax ?? 1_000);
      return [{ at, kind: name, ms, durationMs: prng.int(space.slowCallsDurationMsMin ?? 1, space.slowCallsDurationMsMax ?? 60_000) }];
    },
    apply(world, fault, state) {
      const latency = latencyOf(state);
      const normalMs = latency.maxMs;
      latency.maxMs = Math.max(normalMs, fault.ms as number);
      world.atFault(world.elapsed() + (fault.durationMs as number), () => {
        latency.maxMs = normalMs;
      });
    },
    magnitudes: [
      { field: 'ms', gentlest: 1 },
      { field: 'durationMs', gentlest: 1 },
    ],
  });
}
