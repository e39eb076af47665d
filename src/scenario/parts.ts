/**
 * Swappable parts of a built-in scenario: a lock backend, a bucket worker, a cron server. A part is
 * given either as a value (the library API: `params: { lock: myFactory }`) or, on the command line,
 * as the path of a module whose default export is that value (`--lock ./my-lock.ts`,
 * `--set worker=./my-worker.ts`); TypeScript modules load through tsx, as scenario files do.
 *
 * Parameters are parsed synchronously (zod) and runs need their parts synchronously (the fault space
 * may depend on what a part declares), so a module is loaded once, before the run, by the scenario's
 * `prepare` (`preparePart`), and read from this module's cache afterwards (`partOf`). A path is kept
 * as the user typed it, so replay commands and result files stay portable; it is resolved against
 * the working directory, which fuzz workers share with the command that started them.
 */
import { existsSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { importDefault } from './import-module.js';
import { InputError } from '../env/errors.js';
import { requestProcessGlobals } from '../sim/process-globals.js';

/** What a part is, for messages and validation: `lock backend` and a check of the default export. */
export interface PartKind<T> {
  /** How messages name it: `lock backend`, `bucket worker`. */
  readonly label: string;
  /** Whether a module's default export is such a part (a function, usually). */
  readonly accepts: (value: unknown) => value is T;
  /** What the default export must be, for the message when it is not. */
  readonly expected: string;
}

const loaded = new Map<string, unknown>();

/** Whether `reference` names a module file rather than a built-in choice: a path, or a name ending in `.ts`/`.js`. */
export function isModuleReference(reference: string): boolean {
  return reference.includes('/') || reference.includes('\\') || ['.js', '.mjs', '.cjs', '.ts', '.mts'].includes(extname(reference));
}

/** `reference` as an absolute path, against the working directory. */
export function modulePath(reference: string): string {
  return isAbsolute(reference) ? reference : resolve(process.cwd(), reference);
}

/**
 * A zod check for a part given by path: the file must exist (a missing file is a parameter error,
 * exit 2, before any run starts).
 */
export function refineModulePath(kind: PartKind<unknown>) {
  return (reference: string, context: z.RefinementCtx): void => {
    if (!existsSync(modulePath(reference))) context.addIssue({ code: z.ZodIssueCode.custom, message: `${kind.label} module not found: ${reference}` });
  };
}

/** Loads the module `reference` names (once per process) and checks its default export; an `InputError` when it cannot. */
export async function preparePart<T>(reference: string, kind: PartKind<T>): Promise<T> {
  const path = modulePath(reference);
  if (loaded.has(path)) return loaded.get(path) as T;
  if (!existsSync(path)) throw new InputError(`${kind.label} module not found: ${reference}`);
  // A user's code may read the clock or start timers without going through its env: give it the process's.
  requestProcessGlobals();
  const exported = await importDefault(path, kind.label, reference);
  if (!kind.accepts(exported)) throw new InputError(`${kind.label} '${reference}': the default export must be ${kind.expected}`);
  loaded.set(path, exported);
  return exported;
}

/** The part `reference` names, loaded earlier by `preparePart`. */
export function partOf<T>(reference: string, kind: PartKind<T>): T {
  const path = modulePath(reference);
  if (!loaded.has(path)) throw new Error(`${kind.label} '${reference}' was not loaded: the scenario's prepare() must call preparePart first`);
  return loaded.get(path) as T;
}
