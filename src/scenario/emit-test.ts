/**
 * Regression capture: a ready-to-commit vitest test that replays a shrunk failure. Against the real
 * implementation it expects the run to pass (it fails until the bug is fixed, then guards the fix);
 * against a mutant it expects the same invariant to break (the harness must keep catching it).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fault } from '../sim/faults.js';

export interface RegressionTest {
  readonly scenario: string;
  /** How the test loads the scenario: a built-in name or a path. */
  readonly scenarioReference: string;
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly plan: readonly Fault[];
  readonly invariant: string;
  readonly mutant?: string;
}

/** This package's root: the nearest folder above this module with a package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Writes `dir/<scenario>[-<mutant>]-seed-<seed>.test.ts` and returns its path. */
export async function emitRegressionTest(test: RegressionTest, dir: string): Promise<string> {
  const name = [test.scenario, test.mutant, `seed-${test.seed}`].filter(Boolean).join('-').replace(/[^\w.-]+/g, '_');
  const path = resolve(dir, `${name}.test.ts`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderRegressionTest(test, importPathFrom(dirname(path))));
  return path;
}

function importPathFrom(dir: string): string {
  // Inside this repository the test imports the sources; anywhere else, the installed package.
  const root = packageRoot();
  if (relative(root, dir).startsWith('..')) return 'simrun';
  const path = relative(dir, join(root, 'src', 'index.js')).split('\\').join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

export function renderRegressionTest(test: RegressionTest, libraryImport: string): string {
  const options = {
    seed: test.seed,
    params: test.params,
    plan: test.plan,
    ...(test.mutant === undefined ? {} : { mutant: test.mutant }),
  };
  const title = test.mutant === undefined
    ? `${test.scenario} seed ${test.seed}: ${test.invariant} holds under the shrunk fault plan`
    : `${test.scenario} seed ${test.seed}: mutant ${test.mutant} still breaks ${test.invariant}`;
  const expectation = test.mutant === undefined
    ? `  expect(result.violations.filter((violation) => violation.invariant === ${JSON.stringify(test.invariant)})).toEqual([]);\n  expect(result.status).toBe('passed');`
    : `  expect(result.violations.map((violation) => violation.invariant)).toContain(${JSON.stringify(test.invariant)});`;
  return `// Captured by \`simrun fuzz --emit-test\`: replays a shrunk failure exactly (seed, parameters, fault plan).
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from ${JSON.stringify(libraryImport)};

test(${JSON.stringify(title)}, async () => {
  const scenario = await loadScenario(${JSON.stringify(test.scenarioReference)});
  const result = await runScenario(scenario, ${JSON.stringify(options, null, 2).replace(/\n/g, '\n  ')});
${expectation}
});
`;
}

/** The default folder for captured regressions. */
export const REGRESSIONS_DIR = join('scenarios', 'regressions');
