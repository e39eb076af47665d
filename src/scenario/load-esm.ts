/**
 * ES module files for `load()`: each one compiled to CommonJS (esbuild, one file at a time, nothing
 * bundled) so that it is evaluated by `load()`'s own per-process module scope like any CommonJS file
 * of the tree, its `import`s going through the same redirections (`node:fs`, `node:fs/promises`,
 * `crypto`, `timers`, …).
 *
 * Why compile rather than hand the file to Node's ES module loader: that loader evaluates a module
 * once per URL and keeps it for the life of the OS process, and its hooks (`module.register`) run on
 * another thread, so every `import()` would be real asynchronous work that the simulated scheduler
 * cannot order (a process awaiting it would let virtual time run on by however long the thread took).
 * Compiled, a module instance belongs to its simulated process, is built synchronously, and is
 * collected with it.
 *
 * What stays as in Node: `import`/`export` with live bindings, `export *`, namespace imports,
 * strict mode, `import.meta.url`/`dirname`/`filename`/`resolve`, an ES module importing a CommonJS
 * one (its default is `module.exports`, its named exports that object's properties) and a CommonJS
 * one `require`-ing an ES module (its namespace, as Node 22 gives it). Dynamic `import()` settles in
 * a microtask, never waiting for I/O. What differs: top-level `await` is refused (no CommonJS
 * evaluation can wait); a cycle between modules reads `undefined` where Node would throw a
 * `ReferenceError`; `require`, `module`, `__filename` and `__dirname` are visible to the module;
 * specifiers are resolved as `require` resolves them (extensions may be left off, `exports`
 * conditions are `require`/`node`/`default` first, `import` when nothing else matches); stack traces
 * point into the compiled text, a few lines below the source line.
 */
import { createRequire } from 'node:module';
import { dirname, isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HarnessError, InputError } from '../env/errors.js';

/** The request a compiled module makes for its interop helpers: served by the module scope, never resolved. */
export const ESM_INTEROP_REQUEST = '\0simrun:esm-interop';

/** What a compiled module asks of the scope it runs in. */
export interface EsmInterop {
  /** The namespace an `import` of `exports` sees: a compiled ES module's own, or a CommonJS module's `{ default: module.exports, ...its properties }`. */
  namespaceOf(exports: unknown): unknown;
  /** `import.meta` for the file. */
  metaOf(filename: string, resolve: (specifier: string) => string): ImportMeta;
}

interface EsbuildApi {
  transformSync(source: string, options: Record<string, unknown>): { code: string };
}

let esbuild: EsbuildApi | undefined;

/** esbuild, loaded the first time an ES module is met (a tree of CommonJS files never needs it). */
function esbuildApi(): EsbuildApi {
  // esbuild is a dependency of simrun's own (tsx, which loads TypeScript modules, uses the same one).
  esbuild ??= createRequire(import.meta.url)('esbuild') as EsbuildApi;
  return esbuild;
}

/** esbuild's helper for `import` of a `require`d value, renamed so that the scope's interop replaces it. */
const ESBUILD_TO_ESM = 'var __toESM = ';

/** Compiled text per file, once per OS process: every simulated process evaluates its own instance of it. */
const compiled = new Map<string, string>();

/**
 * `source` (the ES module at `filename`) as CommonJS text that `Module._compile` can evaluate in a
 * scope serving `ESM_INTEROP_REQUEST`. Throws `InputError` for a module that cannot run this way.
 */
export function esmAsCommonJs(filename: string, source: string): string {
  const known = compiled.get(filename);
  if (known !== undefined) return known;
  let code: string;
  try {
    code = esbuildApi().transformSync(source, {
      format: 'cjs',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcefile: filename,
      loader: 'js',
      logLevel: 'silent',
      define: { 'import.meta': '__simrunImportMeta' },
      // `import()` becomes a `require` in a microtask: Node's own would load a second, shared instance, on real time.
      supported: { 'dynamic-import': false },
    }).code;
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors?.[0];
    if (first === undefined) throw new HarnessError(`load(): compiling the ES module '${filename}' failed: ${(error as Error).message.split('\n')[0]}`);
    if (/top-level await/i.test(first.text)) {
      throw new InputError(`load(): '${filename}' uses top-level await, which load() cannot run (a module instance is built synchronously)`);
    }
    const where = first.location ? `:${first.location.line}:${first.location.column + 1}` : '';
    throw new InputError(`load(): '${filename}${where}' is not a valid ES module: ${first.text}`);
  }
  if (code.includes('__toESM(')) {
    if (!code.includes(ESBUILD_TO_ESM)) throw new HarnessError(`load(): esbuild's output for '${filename}' has no __toESM helper to replace (an esbuild version simrun does not know)`);
    code = code.replace(ESBUILD_TO_ESM, 'var __toESM = __simrunInterop.namespaceOf, __esbuildToESM = ');
  }
  // One line, so that line numbers in stack traces move by as little as the helpers esbuild adds.
  const prologue = `"use strict";const __simrunInterop = require(${JSON.stringify(ESM_INTEROP_REQUEST)}), __simrunImportMeta = __simrunInterop.metaOf(__filename, (specifier) => require.resolve(specifier));`;
  // A hashbang line esbuild kept would no longer be first: it goes (its line stays, empty).
  const text = prologue + code.replace(/^#![^\n]*/, '');
  compiled.set(filename, text);
  return text;
}

/** What every function has of its own: never a CommonJS module's named export. */
const FUNCTION_OWN_KEYS = new Set(['length', 'name', 'prototype', 'arguments', 'caller']);

/** The interop of one module scope: `isEsm` tells a compiled ES module's exports from a CommonJS module's. */
export function esmInterop(isEsm: (exports: unknown) => boolean): EsmInterop {
  return {
    namespaceOf(exports: unknown): unknown {
      if (isEsm(exports)) return exports;
      // Node's view of a CommonJS module from an `import`: `default` is `module.exports`, whatever
      // `__esModule` says; the named exports are its properties, read when used (as esbuild's copy reads them).
      const namespace: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      Object.defineProperty(namespace, 'default', { value: exports, enumerable: true });
      if ((typeof exports === 'object' && exports !== null) || typeof exports === 'function') {
        for (const key of Object.getOwnPropertyNames(exports)) {
          if (key === 'default' || (typeof exports === 'function' && FUNCTION_OWN_KEYS.has(key))) continue;
          Object.defineProperty(namespace, key, { get: () => (exports as Record<string, unknown>)[key], enumerable: true });
        }
      }
      return namespace;
    },
    metaOf(filename: string, resolve: (specifier: string) => string): ImportMeta {
      return {
        url: pathToFileURL(filename).href,
        dirname: dirname(filename),
        filename,
        resolve: (specifier: string) => {
          const resolved = resolve(specifier);
          return isAbsolute(resolved) ? pathToFileURL(resolved).href : `node:${resolved.replace(/^node:/, '')}`;
        },
      } as ImportMeta;
    },
  };
}
