/**
 * Finding scenarios: the built-in ones under `scenarios/` (compiled next to the library), or any
 * file a user names (`.js`/`.mjs`, or `.ts` through tsx's loader), whose default export is a
 * scenario made with `defineScenario`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestProcessGlobals } from '../sim/process-globals.js';
import { importDefault } from './import-module.js';
import { InputError } from './run.js';
import type { Scenario } from './scenario.js';

const here = dirname(fileURLToPath(import.meta.url));
/** `dist/src/scenario/` → `dist/scenarios/` when compiled; `src/scenario/` → `scenarios/` under tsx or vitest. */
const BUILT_IN_DIR = [join(here, '../../scenarios'), join(here, '../../../scenarios')].find((dir) => existsSync(dir)) ?? join(here, '../../scenarios');
const compiled = here.includes(`${join('dist', 'src')}`);

export function builtInScenarioNames(): string[] {
  if (!existsSync(BUILT_IN_DIR)) return [];
  const extension = compiled ? '.js' : '.ts';
  return readdirSync(BUILT_IN_DIR)
    .filter((file) => file.endsWith(extension) && !file.endsWith('.d.ts') && !file.includes('.test.'))
    .map((file) => file.slice(0, -extension.length))
    .sort();
}

function looksLikePath(reference: string): boolean {
  return reference.includes('/') || reference.includes('\\') || ['.js', '.mjs', '.ts', '.mts'].includes(extname(reference));
}

/** Loads a scenario by built-in name or by file path; an `InputError` when there is none. */
export async function loadScenario(reference: string): Promise<Scenario<object>> {
  if (!looksLikePath(reference)) {
    const names = builtInScenarioNames();
    if (!names.includes(reference)) {
      throw new InputError(`unknown scenario '${reference}' (known: ${names.join(', ') || 'none'}; or give the path of a scenario file)`);
    }
    return importScenario(join(BUILT_IN_DIR, reference + (compiled ? '.js' : '.ts')), reference);
  }
  const path = isAbsolute(reference) ? reference : resolve(process.cwd(), reference);
  if (!existsSync(path)) throw new InputError(`scenario file not found: ${reference}`);
  // A user's scenario is code simrun did not write, as a `--lock ./x.ts` part is: its own calls of
  // the globals, and those of what it `load()`s from inside a process (after the world exists, too
  // late to turn globals on for it), must read the process's clock from the first run on.
  requestProcessGlobals();
  return importScenario(path, reference);
}

async function importScenario(path: string, reference: string): Promise<Scenario<object>> {
  const scenario = await importDefault(path, 'scenario', reference);
  if (!isScenario(scenario)) throw new InputError(`'${reference}' has no default export made with defineScenario()`);
  return scenario;
}

function isScenario(value: unknown): value is Scenario<object> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Scenario<object>>;
  return typeof candidate.name === 'string' && typeof candidate.setup === 'function' && Array.isArray(candidate.invariants) && typeof candidate.horizonMs === 'function';
}

/** Every built-in scenario, loaded. */
export async function loadBuiltInScenarios(): Promise<Scenario<object>[]> {
  return Promise.all(builtInScenarioNames().map((name) => loadScenario(name)));
}
