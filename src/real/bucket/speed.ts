/** The speed-up every real bucket process shares: how many real seconds stand for one minute. */
import { InputError } from '../../env/errors.js';

/** `--seconds-in-min` as typed (a string from the CLI, a number from code): a positive number. */
export function parseSecondsInMin(value: number | string): number {
  const seconds = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new InputError(`--seconds-in-min must be a positive number, got '${value}'`);
  return seconds;
}
