/**
 * The flags that set up a run's world, shared by `scenario`, `fuzz` and `check`: when it starts,
 * in which time zone, and in which order events due at one instant fire.
 */
import { Flags } from '@oclif/core';
import { InputError } from '../env/errors.js';
import { parseStart, validateTimeZone } from '../scenario/calendar.js';
import { TIE_ORDERS, type TieOrder } from '../sim/world.js';

export const worldFlags = {
  start: Flags.string({
    description: 'start the world at this ISO 8601 date or date-time (with Z or an offset: that instant; without: a wall time in --zone); default 2020-08-18T00:00Z, drawn under --swarm',
  }),
  zone: Flags.string({ description: 'the IANA time zone the run reads calendars in (cron schedules): UTC, Europe/Paris, ...; default UTC, drawn under --swarm' }),
  'tie-order': Flags.string({
    description: 'the order of events due at the same virtual instant: fifo (creation order) or seeded (shuffled by the seed, replayable)',
    options: [...TIE_ORDERS],
    default: 'fifo',
  }),
};

export interface WorldSettings {
  readonly start?: number;
  readonly timeZone?: string;
  readonly tieOrder?: TieOrder;
}

export function parseWorldFlags(flags: { start?: string | undefined; zone?: string | undefined; 'tie-order'?: string | undefined }): WorldSettings {
  const timeZone = flags.zone === undefined ? undefined : validateTimeZone(flags.zone.trim());
  const tieOrder = flags['tie-order'] ?? 'fifo';
  if (!TIE_ORDERS.includes(tieOrder as TieOrder)) throw new InputError(`--tie-order expects ${TIE_ORDERS.join(' or ')}, got '${tieOrder}'`);
  return {
    ...(flags.start === undefined ? {} : { start: parseStart(flags.start, timeZone ?? 'UTC') }),
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(tieOrder === 'fifo' ? {} : { tieOrder: tieOrder as TieOrder }),
  };
}
