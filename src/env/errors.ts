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
 */

export class InputError extends Error {
  override readonly name: string = 'InputError';
}

export class HarnessError extends Error {
  override readonly name: string = 'HarnessError';
}

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
