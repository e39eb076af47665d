/**
 * The JSON result of a run: everything needed to read, render or replay it (verdict, seed,
 * parameters, plan, trace hash, violations and the trace itself).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../scenario/run.js';

export const RESULT_FORMAT = 'simrun.run/1';

export function resultBaseName(result: Pick<RunResult, 'scenario' | 'seed' | 'mutant'>): string {
  const safe = (text: string): string => text.replace(/[^\w.-]+/g, '_');
  return [safe(result.scenario), result.mutant === undefined ? undefined : safe(result.mutant), String(result.seed)].filter(Boolean).join('-');
}

/** Writes `dir/<scenario>[-<mutant>]-<seed>.json` and returns its path. */
export async function writeRunResult(result: RunResult, dir = 'reports'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${resultBaseName(result)}.json`);
  await writeFile(path, JSON.stringify({ format: RESULT_FORMAT, ...result }) + '\n');
  return path;
}

/** The result without its trace: what `--json` prints. */
export function summarize(result: RunResult): Omit<RunResult, 'trace'> & { traceLength: number } {
  const { trace, ...rest } = result;
  return { ...rest, traceLength: trace.length };
}
