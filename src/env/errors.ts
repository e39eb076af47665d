/**
 * The two error families every layer throws into, so that whoever catches an error (the CLI, a
 * campaign, a library user) can tell the user's mistake from simrun's own failure with `instanceof`:
 *
 * - `InputError`: the input cannot work (an unknown parameter, a malformed plan or pipeline, a lock
 *   spec that names nothing, a missing directory). Fix the input; retrying will not help. Exit 2.
 * - `HarnessError`: the harness itself could not finish (a runaway simulation, a worker thread that
 *   died). Neither passed nor violated. Exit 3.
 *
 * Subclasses set their own `name` (for messages and JSON) but are recognised by their class alone.
 *
 * A scenario file may bundle its own copy of simrun, so its `InputError` is another class object
 * than the CLI's. Each family therefore carries a brand on its prototype, a registered symbol
 * (`Symbol.for`) that every copy of this module shares, and `instanceof` on a family's base class
 * accepts the brand: an input error from any copy is an input error. A subclass (`PlanError`) is
 * still recognised by its own class alone, as the brand names only the family.
 */

const INPUT_BRAND: unique symbol = Symbol.for('simrun.InputError') as never;
const HARNESS_BRAND: unique symbol = Symbol.for('simrun.HarnessError') as never;

/** Whether `value` carries `brand` (on itself or its prototype chain). */
function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * `instanceof` for a family's base class `base`: the ordinary prototype check, or the family's
 * brand when the check is against the base class itself (a subclass asks for its own class only).
 */
function familyHasInstance(this: unknown, base: unknown, brand: symbol, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
  return this === base && hasBrand(value, brand);
}

export class InputError extends Error {
  declare readonly [INPUT_BRAND]: true;
  override readonly name: string = 'InputError';

  static override [Symbol.hasInstance](value: unknown): boolean {
    return familyHasInstance.call(this, InputError, INPUT_BRAND, value);
  }
}
Object.defineProperty(InputError.prototype, INPUT_BRAND, { value: true });

export class HarnessError extends Error {
  declare readonly [HARNESS_BRAND]: true;
  override readonly name: string = 'HarnessError';

  static override [Symbol.hasInstance](value: unknown): boolean {
    return familyHasInstance.call(this, HarnessError, HARNESS_BRAND, value);
  }
}
Object.defineProperty(HarnessError.prototype, HARNESS_BRAND, { value: true });

/** Which family an error belongs to: `input`, `harness`, or `undefined` for anything else (a bug). */
export type ErrorFamily = 'input' | 'harness';

export function errorFamily(error: unknown): ErrorFamily | undefined {
  if (error instanceof InputError) return 'input';
  if (error instanceof HarnessError) return 'harness';
  return undefined;
}

/** An error as it crosses a thread or process boundary: a class does not survive structured cloning. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly family?: ErrorFamily;
}

export function serializeError(error: unknown): SerializedError {
  const family = errorFamily(error);
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  return { name, message, ...(family === undefined ? {} : { family }) };
}

/** Rebuilds a serialized error in its family, keeping its name, so `instanceof` still tells the families apart. */
export function deserializeError(serialized: SerializedError | undefined): Error {
  const message = serialized?.message ?? 'unknown error';
  const error = serialized?.family === 'input' ? new InputError(message) : serialized?.family === 'harness' ? new HarnessError(message) : new Error(message);
  Object.defineProperty(error, 'name', { value: serialized?.name ?? 'Error', enumerable: false, configurable: true, writable: true });
  return error;
}
