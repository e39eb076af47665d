/**
 * Loading a package at its first use instead of with the module that names it.
 *
 * A fuzz worker thread loads every lock backend and store a scenario might choose, yet a simulated
 * seed never opens PostgreSQL or MySQL nor sends mail: importing their drivers statically cost each
 * thread a large share of its start-up (`pg` alone was more than half of the CPU spent loading the
 * seed runner), paid again by every thread of `simrun fuzz --workers K`. The drivers are CommonJS,
 * so `require` loads them synchronously where they are first needed and callers stay as they were;
 * their types are imported with `import type`, which costs nothing at run time.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function that loads `specifier` (a CommonJS package) the first time it is called, and returns it. */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: { readonly value: T } | undefined;
  return () => (loaded ??= { value: require(specifier) as T }).value;
}
