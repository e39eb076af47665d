/**
 * Resolving a bare specifier through a package's `exports` with the conditions an ES module import
 * uses (`import`, `node`, `default`), for `load()`: it resolves as `require` does first, and comes
 * here only when the package exports nothing under `require` (an ES-module-only package whose
 * `exports` names only `import`). Subpaths and `*` patterns are followed; `imports` (`#name`) maps
 * and self-references are left to `require`'s resolution.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const IMPORT_CONDITIONS = new Set(['import', 'node', 'default']);

/** `{ name: 'pkg', subpath: './sub' }` from `pkg/sub` (or `@scope/pkg/sub`); undefined for a relative or absolute one. */
function splitBare(specifier: string): { name: string; subpath: string } | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#') || specifier.includes(':')) return undefined;
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  if (parts.length < length) return undefined;
  const rest = parts.slice(length).join('/');
  return { name: parts.slice(0, length).join('/'), subpath: rest === '' ? '.' : `./${rest}` };
}

/** The target a conditional value picks under the import conditions, in the order the package wrote them. */
function conditional(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const candidate of value) {
      const picked = conditional(candidate);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [condition, target] of Object.entries(value)) {
    if (!IMPORT_CONDITIONS.has(condition)) continue;
    const picked = conditional(target);
    if (picked !== undefined) return picked;
  }
  return undefined;
}

/** `exports`' target for `subpath` (`.` or `./x`), following subpath keys and `*` patterns. */
function exportTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap = typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((key) => key.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? conditional(exports) : undefined;
  const map = exports as Record<string, unknown>;
  if (subpath in map) return conditional(map[subpath]);
  // The longest matching pattern wins, as in Node.
  const patterns = Object.keys(map)
    .filter((key) => key.includes('*'))
    .sort((a, b) => b.length - a.length);
  for (const key of patterns) {
    const [prefix, suffix] = key.split('*') as [string, string];
    if (!subpath.startsWith(prefix) || !subpath.endsWith(suffix) || subpath.length < key.length - 1) continue;
    const target = conditional(map[key]);
    return target?.replaceAll('*', subpath.slice(prefix.length, subpath.length - suffix.length));
  }
  return undefined;
}

/**
 * The file `specifier` names for an `import` from a module in `fromDirectory`, by the package's
 * `exports` under the import conditions; undefined when it is not a bare specifier of a package with
 * `exports` that has such a file.
 */
export function resolveImportCondition(specifier: string, fromDirectory: string): string | undefined {
  const bare = splitBare(specifier);
  if (bare === undefined) return undefined;
  for (let directory = fromDirectory; ; directory = dirname(directory)) {
    const packageDirectory = join(directory, 'node_modules', bare.name);
    const manifestPath = join(packageDirectory, 'package.json');
    if (existsSync(manifestPath)) {
      let manifest: { exports?: unknown };
      try {
        manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: unknown };
      } catch {
        return undefined;
      }
      if (manifest.exports === undefined) return undefined;
      const target = exportTarget(manifest.exports, bare.subpath);
      if (target === undefined || !target.startsWith('./')) return undefined;
      const filename = join(packageDirectory, target);
      return existsSync(filename) ? filename : undefined;
    }
    if (dirname(directory) === directory) return undefined;
  }
}
