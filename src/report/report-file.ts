/**
 * Writing HTML reports to disk: a run's report next to its JSON result (same base name), or the report
 * of any result file `simrun report` was given.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunResult } from '../scenario/run.js';
import { renderCampaignReport, renderRunReport } from './html.js';
import type { LoadedResult } from './load.js';
import { resultBaseName } from './result-file.js';

/** Writes `dir/<scenario>[-<mutant>]-<seed>.html` and returns its path. */
export async function writeRunReport(result: RunResult, dir = 'reports'): Promise<string> {
  const path = join(dir, `${resultBaseName(result)}.html`);
  await writeHtml(path, renderRunReport(result));
  return path;
}

/** Writes the report of a loaded result file to `path`. */
export async function writeReport(loaded: LoadedResult, path: string): Promise<string> {
  await writeHtml(path, loaded.kind === 'run' ? renderRunReport(loaded.result) : renderCampaignReport(loaded.result));
  return path;
}

/** `reports/bucket-42.json` → `reports/bucket-42.html`: the default output of `simrun report`. */
export function defaultReportPath(resultPath: string): string {
  return resultPath.replace(/(\.json)?$/i, '.html');
}

async function writeHtml(path: string, html: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, html);
}
