/**
 * Reading a result file back for `simrun report`: a run result (`simrun.run/1`) or a campaign result
 * (`simrun.campaign/1`). Anything else is the user's input error, told in one line.
 */
import { readFile } from 'node:fs/promises';
import { InputError, type RunResult } from '../scenario/run.js';
import { CAMPAIGN_RESULT_FORMAT, type CampaignResult } from './campaign.js';
import { RESULT_FORMAT } from './result-file.js';

/** A result file, tagged by what it holds. */
export type LoadedResult = { readonly kind: 'run'; readonly result: RunResult } | { readonly kind: 'campaign'; readonly result: CampaignResult };

/** Reads and recognizes a result file; throws `InputError` when it is missing, not JSON or of an unknown format. */
export async function loadResultFile(path: string): Promise<LoadedResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return recognizeResult(value, path);
}

/** Tells a run result from a campaign result by its `format` field and checks the fields a report needs. */
export function recognizeResult(value: unknown, source = 'the input'): LoadedResult {
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const format = record?.format;
  if (record === undefined || typeof format !== 'string') {
    throw new InputError(`${source} is not a simrun result: no 'format' field (expected '${RESULT_FORMAT}' or '${CAMPAIGN_RESULT_FORMAT}')`);
  }
  if (format === RESULT_FORMAT) {
    requireFields(record, source, { scenario: 'string', seed: 'number', status: 'string', traceHash: 'string', replay: 'string', epochMs: 'number', simulatedMs: 'number', trace: 'array', plan: 'array', violations: 'array', invariants: 'array' });
    requireTraceEvents(record.trace as unknown[], source);
    return { kind: 'run', result: record as unknown as RunResult };
  }
  if (format === CAMPAIGN_RESULT_FORMAT) {
    requireFields(record, source, { scenario: 'string', swarm: 'boolean', seeds: 'object', status: 'string', runs: 'number', wallMs: 'number', runsPerSec: 'number', faultKinds: 'object', failures: 'array' });
    return { kind: 'campaign', result: record as unknown as CampaignResult };
  }
  throw new InputError(`${source} has an unknown format '${format}' (expected '${RESULT_FORMAT}' or '${CAMPAIGN_RESULT_FORMAT}')`);
}

type FieldType = 'string' | 'number' | 'boolean' | 'array' | 'object';

function requireFields(record: Record<string, unknown>, source: string, fields: Readonly<Record<string, FieldType>>): void {
  for (const [field, type] of Object.entries(fields)) {
    const value = record[field];
    const ok = type === 'array' ? Array.isArray(value) : type === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value) : typeof value === type;
    if (!ok) throw new InputError(`${source} is a damaged ${String(record.format)} result: field '${field}' should be ${type === 'array' ? 'an array' : `a ${type}`}`);
  }
}

/** Every event of a run's trace has the fields the report's timeline reads, of their types. */
function requireTraceEvents(trace: readonly unknown[], source: string): void {
  const event = trace.findIndex((value) => {
    const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    return record === undefined || typeof record.seq !== 'number' || typeof record.t !== 'number' || typeof record.pid !== 'string' || typeof record.kind !== 'string' || (record.data !== undefined && (typeof record.data !== 'object' || record.data === null));
  });
  if (event >= 0) throw new InputError(`${source} is a damaged ${RESULT_FORMAT} result: trace event ${event} is not {seq, t, pid, kind, data?} with a number, a number, a string, a string and an object`);
}
