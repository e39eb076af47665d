/**
 * Loading a user's module by path, TypeScript included (through tsx, so a user needs no build
 * step): scenario files and swappable scenario parts (a lock backend, a worker, a server) alike.
 *
 * tsx's `tsImport` evaluates a TypeScript file, and what it imports, `simrun` included, under a
 * namespaced URL: the file gets its own copy of simrun's modules. That copy is not redirected to the
 * running one here, because it cannot be in general: the user's project may resolve `simrun` to
 * another install than the one running (a local `node_modules/simrun` under a global CLI, a plugin
 * with its own), and registering tsx's hooks for the whole process instead would change how every
 * later import of the user's program resolves. So what must be one per OS process is kept on
 * `globalThis` instead (`sim/one-per-process.ts`), which holds whichever copies meet; where the two
 * copies hand each other values (a scenario, a lock factory) those are read by their shape.
 */
import { pathToFileURL } from 'node:url';
import { InputError } from '../env/errors.js';

/** The default export of the module at `path`; an `InputError` naming `what` and `reference` when it cannot load. */
export async function importDefault(path: string, what: string, reference: string): Promise<unknown> {
  try {
    if (/\.[mc]?ts$/.test(path)) {
      const { tsImport } = await import('tsx/esm/api');
      return defaultExport(await tsImport(pathToFileURL(path).href, import.meta.url));
    }
    return defaultExport(await import(pathToFileURL(path).href));
  } catch (error) {
    throw new InputError(`cannot load ${what} '${reference}': ${firstProblem(error)}`);
  }
}

/**
 * A module's `export default`, whether it ran as ES module or as CommonJS. In a package without
 * `"type": "module"` (npm's default) tsx runs a `.ts` file as CommonJS, and so does a `.js` file
 * compiled by tsc there: `export default X` becomes `exports.default = X` beside the `__esModule`
 * marker, and importing that gives `{ default: { __esModule: true, default: X } }`.
 */
function defaultExport(namespace: unknown): unknown {
  const value = (namespace as { default?: unknown }).default;
  if (typeof value === 'object' && value !== null && (value as { __esModule?: unknown }).__esModule === true && 'default' in value) {
    return (value as { default: unknown }).default;
  }
  return value;
}

/** One line that says what is wrong: a TypeScript syntax error (esbuild's, via tsx) with its place, else the error's first line. */
function firstProblem(error: unknown): string {
  const compileErrors = (error as { errors?: { text?: string; location?: { file?: string; line?: number; column?: number } | null }[] }).errors;
  const first = Array.isArray(compileErrors) ? compileErrors[0] : undefined;
  if (first?.text !== undefined) {
    const where = first.location ? `${first.location.file ?? ''}:${first.location.line ?? '?'}:${(first.location.column ?? 0) + 1}: ` : '';
    return `${where}${first.text}`;
  }
  const lines = String((error as Error)?.message ?? error).split('\n');
  // tsx passes esbuild's failure on as text: a header line, then `file:line:column: ERROR: what`.
  if (/^Transform failed with \d+ errors?:$/.test(lines[0] ?? '') && lines[1] !== undefined) return lines[1].replace(': ERROR: ', ': ');
  return lines[0] ?? '';
}
