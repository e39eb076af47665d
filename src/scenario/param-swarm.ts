/**
 * Parameter swarm: under `--swarm` a seed draws the system it runs, not only the faults it meets —
 * how many workers, how long a lease, how often a poll, which lock backend, whose clock judges
 * expiry, the time zone and the start date — from the ranges the scenario declares. One seed then
 * stands for one whole configuration, printed before the run and replayed by the seed alone.
 *
 * Each parameter draws from its own stream (`swarm-params/<name>`), the start from `swarm-start`:
 * a parameter the user sets (`--set`) is not drawn and shifts nothing else, and none of these
 * streams is read by a run without `--swarm`, so plain runs keep their trace hashes.
 */
import { InputError } from '../env/errors.js';
import type { Prng } from '../sim/prng.js';
import { DAY_MS, MINUTE_MS, offsetTransitions, transitionDirection } from './calendar.js';

/**
 * One parameter's range under `--swarm`: numbers from `min` to `max` (whole ones with `integer`;
 * with `log`, spread evenly over orders of magnitude), or one of a list of values.
 */
export type ParamRange =
  | { readonly min: number; readonly max: number; readonly integer?: boolean; readonly log?: boolean }
  | { readonly oneOf: readonly unknown[] };

/**
 * A scenario's declared ranges, drawn in declaration order. A range may be a function of the
 * parameters so far (the defaults, the user's settings and what was drawn before it), to keep the
 * bounds the scenario documents between them (a lease longer than the skew it must survive); it
 * returns `undefined` to leave a parameter as it is.
 */
export type ParamRanges<P> = { readonly [K in keyof P]?: ParamRange | ((sofar: P) => ParamRange | undefined) };

export function drawFromRange(range: ParamRange, prng: Prng): unknown {
  if ('oneOf' in range) return prng.pick(range.oneOf);
  const { min, max } = range;
  if (!(max >= min)) throw new InputError(`a parameter range must have min <= max, got ${min}..${max}`);
  let value = range.log && min > 0 ? Math.exp(prng.between(Math.log(min), Math.log(max))) : prng.between(min, max);
  if (range.integer) value = Math.min(max, Math.max(min, Math.round(value)));
  else value = Math.round(value * 1000) / 1000;
  return value;
}

/**
 * The values a seed draws for every parameter the scenario gives a range and the user did not set.
 * `resolve` turns overrides into full parameters (the scenario's schema with its defaults).
 */
export function drawParams<P extends object>(
  ranges: ParamRanges<P> | undefined,
  overrides: Readonly<Record<string, unknown>>,
  resolve: (overrides: Readonly<Record<string, unknown>>) => P,
  prng: Prng,
): Record<string, unknown> {
  const drawn: Record<string, unknown> = {};
  if (ranges === undefined) return drawn;
  let sofar = resolve(overrides);
  for (const [name, declared] of Object.entries(ranges) as [string, ParamRanges<P>[keyof P]][]) {
    if (declared === undefined || name in overrides) continue;
    const range = typeof declared === 'function' ? (declared as (sofar: P) => ParamRange | undefined)(sofar) : (declared as ParamRange);
    if (range === undefined) continue;
    drawn[name] = drawFromRange(range, prng.fork(name));
    sofar = resolve({ ...drawn, ...overrides });
  }
  return drawn;
}

/**
 * Zones a swarm start is drawn in: UTC, zones with daylight saving on either hemisphere (the
 * transition at 01:00 UTC, at 02:00 or 03:00 local, at midnight), a half-hour shift (Lord Howe), a
 * 45-minute offset (Chatham), and zones without daylight saving.
 */
export const SWARM_TIME_ZONES: readonly string[] = [
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'America/Santiago',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Tokyo',
  'Asia/Kolkata',
];

export interface DrawnStart {
  readonly startMs: number;
  readonly timeZone: string;
  /** The daylight-saving transition the start was aimed at, when it was. */
  readonly aimedAt?: { readonly direction: 'spring-forward' | 'fall-back'; readonly atMs: number };
}

/**
 * A start in 2000–2037, on a whole minute, in a zone from `zones`. Half the draws in a zone with
 * daylight saving aim at one of its transitions that year (either direction, evenly), placing it
 * inside the run's first `horizonMs`: calendar bugs live at those instants, and a uniform date
 * would almost never meet one in a run of a day.
 */
export function drawStart(prng: Prng, horizonMs: number, zones: readonly string[] = SWARM_TIME_ZONES): DrawnStart {
  const timeZone = prng.fork('zone').pick(zones);
  const datePrng = prng.fork('date');
  const year = datePrng.int(2000, 2037);
  const transitions = offsetTransitions(year, timeZone);
  if (transitions.length > 0 && datePrng.chance(0.5)) {
    const direction = datePrng.chance(0.5) ? 'spring-forward' : 'fall-back';
    const matching = transitions.filter((transition) => transitionDirection(transition) === direction);
    const transition = datePrng.pick(matching.length > 0 ? matching : transitions);
    // The transition lands between 5% and 95% of the way into the run (at most a day in).
    const span = Math.max(MINUTE_MS, Math.min(horizonMs, DAY_MS));
    const lead = Math.floor((span * datePrng.between(0.05, 0.95)) / MINUTE_MS) * MINUTE_MS;
    return { startMs: transition.atMs - Math.max(MINUTE_MS, lead), timeZone, aimedAt: { direction: transitionDirection(transition), atMs: transition.atMs } };
  }
  const from = Date.UTC(year, 0, 1);
  const minutes = Math.floor((Date.UTC(year + 1, 0, 1) - from) / MINUTE_MS);
  return { startMs: from + datePrng.int(0, minutes - 1) * MINUTE_MS, timeZone };
}
