/**
 * Swarm testing: before a seed runs, it first draws which fault kinds are enabled and how often
 * they strike, so one campaign explores very different mixes — some kinds entirely off, the rest
 * at rates from a quarter to four times the scenario's own. (A run with every fault always on
 * tends to hide the bugs that need a long quiet stretch, or one fault alone, to show.) It draws
 * over the kinds a scenario's fault space gives rates for.
 */
import type { Prng } from '../prng.js';
import type { FaultSpace } from './kind.js';

/** The rates one seed drew: kind → expected count over the fault window (0 = off). */
export type SwarmDraw = Readonly<Record<string, number>>;

export function drawSwarm(space: FaultSpace, prng: Prng): SwarmDraw {
  const draw: Record<string, number> = {};
  for (const kind of Object.keys(space.rates).sort()) {
    const base = space.rates[kind] ?? 0;
    const kindPrng = prng.fork(kind);
    const enabled = kindPrng.chance(0.5);
    const factor = 2 ** kindPrng.between(-2, 2);
    draw[kind] = enabled ? Math.round(base * factor * 100) / 100 : 0;
  }
  return draw;
}

export function applySwarm(space: FaultSpace, draw: SwarmDraw): FaultSpace {
  return { ...space, rates: { ...draw } };
}

/** `crash=1.3 pause=off skew=0.4`, for printing beside a seed. */
export function formatSwarm(draw: SwarmDraw): string {
  return Object.entries(draw)
    .map(([kind, rate]) => `${kind}=${rate === 0 ? 'off' : rate}`)
    .join(' ');
}
