/**
 * `load(specifier, { env })`: an unmodified npm module (and everything it requires) as one simulated
 * process runs it. Each process incarnation gets its own instance of the module tree, as each real
 * OS process has its own, and in that tree:
 * - `fs`, `node:fs`, `fs/promises` and `node:fs/promises` are the process's simulated filesystem
 *   (`env.fs` behind a `node:fs`-shaped facade, `env/node-fs-facade.ts`): latency, injected faults
 *   and trace events apply to the library's own file calls, `graceful-fs` and the like included;
 * - `crypto`/`node:crypto` and `perf_hooks`/`node:perf_hooks` are Node's own, except that their
 *   randomness (`randomBytes`, `randomFill(Sync)`, `randomInt`, `randomUUID`, `getRandomValues`,
 *   `webcrypto`'s) is drawn from the process's seeded stream and `performance.now()` reads its clock
 *   (`sim/entropy-and-clocks.ts`), whether or not per-process globals are on;
 * - `timers/promises`/`node:timers/promises` sleep the process's own sleep, and `timers`' functions
 *   are the global ones as they are at each call (`sim/timers-facade.ts`);
 * - `Date`, the global timers, `performance.now()`, `process.hrtime()`, `Math.random` and the
 *   global `crypto` are the process's through per-process globals (`sim/process-globals.ts`, which
 *   loading turns on for worlds created after it in this thread).
 *
 * The module tree may be CommonJS, ES modules or both, each file evaluated from its own text with
 * Node's own resolution, bypassing Node's module caches (which are one per OS process). An ES module
 * file is compiled to CommonJS first (`load-esm.ts`, which says what that keeps and what it changes:
 * top-level `await` is refused, cycles read `undefined` where Node throws) and its imports go through
 * the same redirections; a package exporting only under `import` resolves as an import would
 * (`load-resolve.ts`). TypeScript files and native addons (`.node`, whose file calls cannot be
 * redirected) are refused with one line. A CommonJS file's own `import()` is Node's (compiled by
 * `Module._compile`, it reaches Node's loader): one shared instance, the real `fs`, real time.
 *
 * Why ES modules are compiled rather than handed to Node's ES module loader: that loader evaluates a
 * module once per URL and never forgets it, so a per-process instance would need a distinct URL per
 * process (`module.register` hooks tagging every file URL of the tree, and generated modules for
 * `node:fs` and the rest), every process of every run of a campaign would leave its tree in memory
 * for good, and `load` would become an `import()`: real asynchronous work on the hooks' thread, which
 * a simulated process awaiting it would see finish after however much virtual time the scheduler had
 * let pass meanwhile. Compiled, an instance is built synchronously, belongs to its process (scopes
 * are keyed by the process's `Env`) and is collected with it; what stays for the life of the OS
 * process is one copy of each file's source and compiled text.
 */
import { readFileSync } from 'node:fs';
import Module, { builtinModules, createRequire } from 'node:module';
import { dirname, extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../env/env.js';
import { InputError } from '../env/errors.js';
import { nodeFsOver } from '../env/node-fs-facade.js';
import { cryptoFacade, perfHooksFacade } from '../sim/entropy-and-clocks.js';
import { onePerProcess } from '../sim/one-per-process.js';
import { requestProcessGlobals } from '../sim/process-globals.js';
import { timersFacade } from '../sim/timers-facade.js';
import { ESM_INTEROP_REQUEST, esmAsCommonJs, esmInterop, type EsmInterop } from './load-esm.js';
import { resolveImportCondition } from './load-resolve.js';

export interface LoadOptions {
  /** The simulated process the module instance belongs to (a lock factory's `env`, a process's `main` argument). */
  readonly env: Env;
  /**
   * Where `specifier` is resolved from: a file URL or path (`import.meta.url` of the calling module),
   * the working directory by default.
   */
  readonly from?: string;
  /**
   * Packages taken from Node's own module cache, one instance per OS process, instead of one per
   * simulated process: those that only hook the real process (`signal-exit`, the default, registers
   * signal listeners on `process` at load; a copy per simulated process would pile them up).
   */
  readonly shared?: readonly string[];
}

const DEFAULT_SHARED: readonly string[] = ['signal-exit'];

/** The parts of `Module` the loader uses that `@types/node` does not declare. */
interface ModuleInternals {
  _resolveFilename(request: string, parent: Module | undefined, isMain?: boolean): string;
  _nodeModulePaths(from: string): string[];
}
interface CompilableModule extends Module {
  _compile(content: string, filename: string): unknown;
}

const internals = Module as unknown as ModuleInternals;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const BUILTINS = new Set(builtinModules);

/**
 * Module instances per process: a second `load` of the same module in one process gives the same
 * exports, whichever copy of simrun's modules calls it (`sim/one-per-process.ts`: a TypeScript
 * scenario file and a lock file each import their own copy).
 */
const scopes = onePerProcess('load-scopes.v1', () => new WeakMap<Env, { require(request: string, parent: Module | undefined): unknown; exportsOf(module: Module): unknown; loadFile(filename: string, parent: Module | undefined): Module }>());

/** Source files read once per OS process: every simulated process compiles its own instance from them. */
const sources = onePerProcess('load-sources.v1', () => new Map<string, string>());

/**
 * The module `specifier` names, as a fresh instance for `options.env`'s process whose file calls,
 * clock, timers and randomness are that process's. Resolved from `options.from` like a `require`.
 */
export function load<T = unknown>(specifier: string, options: LoadOptions): T {
  requestProcessGlobals();
  let scope = scopes.get(options.env);
  if (scope === undefined) scopes.set(options.env, (scope = new ModuleScope(options.env, new Set(options.shared ?? DEFAULT_SHARED))));
  const from = options.from === undefined ? join(process.cwd(), 'noop.js') : options.from.startsWith('file:') ? fileURLToPath(options.from) : isAbsolute(options.from) ? options.from : resolvePath(options.from);
  let filename: string;
  try {
    filename = createRequire(from).resolve(specifier);
  } catch (error) {
    // A package that exports only under `import` (ES modules only) is loaded as an import would find it.
    const imported = resolveImportCondition(specifier, dirname(from));
    if (imported === undefined) throw new InputError(`load('${specifier}'): ${(error as Error).message.split('\n')[0]}`);
    filename = imported;
  }
  if (BUILTINS.has(filename) || filename.startsWith('node:')) return scope.require(specifier, undefined) as T;
  return scope.exportsOf(scope.loadFile(filename, undefined)) as T;
}

class ModuleScope {
  private readonly modules = new Map<string, Module>();
  private readonly replaced: Readonly<Record<string, unknown>>;
  /** The modules of this scope compiled from ES modules: their `exports` are their namespaces. */
  private readonly esModules = new WeakSet<Module>();
  private readonly namespaces = new WeakSet<object>();
  private readonly interop: EsmInterop = esmInterop((exports) => typeof exports === 'object' && exports !== null && this.namespaces.has(exports));

  constructor(
    env: Env,
    private readonly shared: ReadonlySet<string>,
  ) {
    const fs = nodeFsOver(env.fs);
    const timers = timersFacade(env);
    this.replaced = { fs, 'fs/promises': fs.promises, crypto: cryptoFacade(env), perf_hooks: perfHooksFacade(env), timers, 'timers/promises': timers.promises };
  }

  require(request: string, parent: Module | undefined): unknown {
    if (request === ESM_INTEROP_REQUEST) return this.interop;
    const bare = request.startsWith('node:') ? request.slice('node:'.length) : request;
    if (bare in this.replaced) return this.replaced[bare];
    if (BUILTINS.has(bare)) return createRequire(import.meta.url)(request);
    if (this.shared.has(request) && parent !== undefined) return createRequire(parent.filename)(request);
    let filename: string;
    try {
      filename = internals._resolveFilename(request, parent);
    } catch (error) {
      // An ES module's import of a package that exports only under `import`: resolve it as an import would.
      const imported = parent !== undefined && this.esModules.has(parent) ? resolveImportCondition(request, dirname(parent.filename)) : undefined;
      if (imported === undefined) throw error;
      filename = imported;
    }
    return this.exportsOf(this.loadFile(filename, parent));
  }

  /** A module's exports; a compiled ES module's are its namespace, which the interop must know as one. */
  exportsOf(module: Module): unknown {
    // Read here, not once after evaluation: in a cycle the namespace is asked for before evaluation ends.
    if (this.esModules.has(module) && typeof module.exports === 'object' && module.exports !== null) this.namespaces.add(module.exports as object);
    return module.exports;
  }

  loadFile(filename: string, parent: Module | undefined): Module {
    const cached = this.modules.get(filename);
    if (cached !== undefined) return cached;
    const extension = extname(filename);
    if (extension === '.node') throw new InputError(`load(): '${filename}' is a native addon; its file calls cannot be simulated`);
    if (TYPESCRIPT.has(extension)) throw new InputError(`load(): '${filename}' is TypeScript; load() runs the JavaScript a package ships (import your own TypeScript modules, and give them env)`);
    const esm = extension === '.mjs' || (extension !== '.cjs' && extension !== '.json' && isEsmPackage(filename));
    const module = new Module(filename, parent) as CompilableModule;
    module.filename = filename;
    module.paths = internals._nodeModulePaths(dirname(filename));
    // Every require inside this tree comes back here, so the whole tree is this process's.
    module.require = ((request: string) => this.require(request, module)) as NodeJS.Require;
    this.modules.set(filename, module);
    if (esm) this.esModules.add(module);
    try {
      if (extension === '.json') module.exports = JSON.parse(sourceOf(filename)) as unknown;
      else module._compile(esm ? esmAsCommonJs(filename, sourceOf(filename)) : sourceOf(filename), filename);
    } catch (error) {
      this.modules.delete(filename);
      throw error;
    }
    module.loaded = true;
    return module;
  }
}

function sourceOf(filename: string): string {
  let source = sources.get(filename);
  if (source === undefined) sources.set(filename, (source = readFileSync(filename, 'utf8')));
  return source;
}

const packageTypes = new Map<string, boolean>();

/** Whether the nearest package.json above `filename` says `"type": "module"`. */
function isEsmPackage(filename: string): boolean {
  for (let directory = dirname(filename); ; directory = dirname(directory)) {
    const known = packageTypes.get(directory);
    if (known !== undefined) return known;
    let manifest: string | undefined;
    try {
      manifest = readFileSync(join(directory, 'package.json'), 'utf8');
    } catch {
      manifest = undefined;
    }
    if (manifest !== undefined) {
      let esm = false;
      try {
        esm = (JSON.parse(manifest) as { type?: string }).type === 'module';
      } catch {
        esm = false;
      }
      packageTypes.set(directory, esm);
      return esm;
    }
    if (dirname(directory) === directory) return false;
  }
}
