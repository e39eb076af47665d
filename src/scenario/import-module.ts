/**
 * Loading a user's module by path, TypeScript included (through tsx, so a user needs no build
 * step): scenario files and swappable scenario parts (a lock backend, a worker, a server) alike.
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
    throw new InputError(`cannot load ${what} '${reference}': ${(error as Error).message.split('\n')[0]}`);
  }
}
