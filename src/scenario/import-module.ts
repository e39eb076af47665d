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
    if (path.endsWith('.ts') || path.endsWith('.mts')) {
      const { tsImport } = await import('tsx/esm/api');
      return ((await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown }).default;
    }
    return ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new InputError(`cannot load ${what} '${reference}': ${firstProblem(error)}`);
  }
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
