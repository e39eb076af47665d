/**
 * State that must exist once per OS process, however many copies of simrun's modules it loads.
 *
 * A process can hold more than one instance of simrun's module graph: a scenario or lock file in
 * TypeScript is imported through tsx's `tsImport`, which evaluates the file and everything it
 * imports (`simrun` included) under a URL of its own, and a user's project may resolve `simrun` to
 * another install than the CLI that runs it. Module-level variables are then one per copy, and a
 * flag one copy sets (`load()` asking for per-process globals) is never read by the copy whose
 * `World` runs. What the OS process has only one of (its globals, their async context, their
 * timers, a simulated process's module instances) is therefore kept here, on `globalThis` under a
 * registered symbol (`Symbol.for` gives every copy the same key), created by the first copy to ask.
 *
 * The shape behind a name must stay compatible across simrun versions that may meet in one
 * process: add fields, never change what an existing one means.
 */

/** The one value named `name` in this OS process, made by `create` the first time any copy asks. */
export function onePerProcess<T extends object>(name: string, create: () => T): T {
  const key = Symbol.for(`simrun.${name}`);
  const registry = globalThis as unknown as Record<symbol, T | undefined>;
  let value = registry[key];
  if (value === undefined) registry[key] = value = create();
  return value;
}
