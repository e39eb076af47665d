/**
 * Reading a pipeline from YAML: parsed with `yaml` (keeping every node's position), validated with
 * zod, then checked as a graph. Every problem is one `PipelineError` line naming the file, the line
 * and the job, e.g. `etl.yaml:12: job 'load': unknown field 'retry'`.
 *
 * ```yaml
 * name: nightly
 * max_parallel: 4
 * schedule: "0 2 * * *"
 * jobs:
 *   extract:
 *     command: ./extract.sh
 *     max_runtime_ms: 60000
 *     kill_after_ms: 600000
 *     max_data: 100000
 *   load:
 *     command: ./load.sh
 *     depends_on: [extract]
 *     start_at: 2020-08-18T02:00:00Z
 *     max_output_bytes: 1048576
 *     retries: 2
 * ```
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { validateGraph, type JobDefinition, type Pipeline } from './pipeline.js';
import { PipelineError } from './pipeline-error.js';
import { isCronExpression } from './schedule.js';

const jobSchema = z
  .object({
    command: z.string({ required_error: 'required: the command to run' }).min(1, 'the command is empty'),
    depends_on: z.array(z.string().min(1)).default([]),
    start_at: z
      .string({ invalid_type_error: 'expected a date and time like 2020-08-18T02:00:00Z' })
      // Parsing a timestamp reads no clock: Date.parse is deterministic.
      // eslint-disable-next-line no-restricted-globals
      .refine((text) => /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text) && !Number.isNaN(Date.parse(text)), {
        message: 'expected a date and time with a zone, like 2020-08-18T02:00:00Z',
      })
      .optional(),
    max_runtime_ms: z.number().int('expected an integer number of ms').positive('expected ms > 0').optional(),
    max_output_bytes: z.number().int('expected an integer number of bytes').positive('expected bytes > 0').optional(),
    retries: z.number().int('expected an integer').nonnegative('expected retries >= 0').default(0),
    kill_after_ms: z.number().int('expected an integer number of ms').positive('expected ms > 0').optional(),
    max_data: z.number().int('expected an integer amount').nonnegative('expected an amount >= 0').optional(),
  })
  .strict();

const JOB_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const fileSchema = z
  .object({
    name: z.string().min(1).optional(),
    errexit: z.boolean().optional(),
    max_parallel: z.number().int('expected an integer').positive('expected at least 1').optional(),
    schedule: z.string().min(1).refine(isCronExpression, 'expected a cron expression like "0 2 * * *" (minute hour day month weekday, UTC)').optional(),
    jobs: z.record(
      z.string().regex(JOB_NAME, 'a job name is letters, digits, _, . and -'),
      jobSchema,
    ).refine((jobs) => Object.keys(jobs).length > 0, 'a pipeline needs at least one job'),
  })
  .strict();

/**
 * Parses and validates pipeline `text`; `source` names it in errors (the file path). The pipeline's
 * name is its `name` field, else `source` without directory and extension.
 */
/** Alias expansions a pipeline file may use; a real pipeline needs a handful. */
const MAX_ALIAS_COUNT = 100;

export function parsePipeline(text: string, source = 'pipeline.yaml'): Pipeline {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const syntaxError = document.errors[0];
  if (syntaxError !== undefined) {
    const line = lineOf(syntaxError.pos[0]);
    throw new PipelineError(`${source}:${line ?? 1}: ${syntaxError.message.split('\n')[0]}`, undefined, line);
  }
  let value: unknown;
  try {
    // A "billion laughs" file (aliases of aliases) expands past `maxAliasCount` and throws here.
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new PipelineError(`${source}: cannot expand the YAML: ${(error as Error).message} (at most ${MAX_ALIAS_COUNT} alias expansions)`);
  }
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) throw schemaError(parsed.error.issues[0] as z.ZodIssue, document, source, lineOf);

  const jobs: JobDefinition[] = Object.entries(parsed.data.jobs).map(([name, job]) => ({
    name,
    command: job.command,
    dependsOn: job.depends_on,
    retries: job.retries,
    // eslint-disable-next-line no-restricted-globals -- parsing a timestamp reads no clock
    ...(job.start_at === undefined ? {} : { startAtMs: Date.parse(job.start_at) }),
    ...(job.max_runtime_ms === undefined ? {} : { maxRuntimeMs: job.max_runtime_ms }),
    ...(job.max_output_bytes === undefined ? {} : { maxOutputBytes: job.max_output_bytes }),
    ...(job.kill_after_ms === undefined ? {} : { killAfterMs: job.kill_after_ms }),
    ...(job.max_data === undefined ? {} : { maxData: job.max_data }),
    ...lineField(lineOf(keyNode(document, ['jobs'], name)?.range?.[0])),
  }));
  const name = parsed.data.name ?? source.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const limits = {
    ...(parsed.data.max_parallel === undefined ? {} : { maxParallel: parsed.data.max_parallel }),
    ...(parsed.data.schedule === undefined ? {} : { schedule: parsed.data.schedule }),
    ...(parsed.data.errexit === undefined ? {} : { errexit: parsed.data.errexit }),
  };
  return validateGraph({ name, jobs, ...limits }, source, (job, index) => lineOf(nodeAt(document, ['jobs', job, 'depends_on', index])?.range?.[0]));
}

function lineField(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

type LineOf = (offset: number | undefined) => number | undefined;

/** The first schema issue as one line: the job, the field, the line it is on. */
function schemaError(issue: z.ZodIssue, document: Document, source: string, lineOf: LineOf): PipelineError {
  const path = issue.path;
  const job = path[0] === 'jobs' && typeof path[1] === 'string' ? path[1] : undefined;
  let line: number | undefined;
  let what: string;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] as string;
    line = lineOf(keyNode(document, path, key)?.range?.[0]);
    what = `unknown field '${key}'`;
  } else {
    // A missing field has no node: point at the closest node that exists.
    for (let length = path.length; length >= 0 && line === undefined; length--) line = lineOf(nodeAt(document, path.slice(0, length))?.range?.[0]);
    const field = job === undefined ? path.join('.') : path.slice(2).join('.');
    what = field === '' ? issue.message : `field '${field}': ${issue.message}`;
  }
  const subject = job === undefined ? '' : `job '${job}': `;
  return new PipelineError(`${source}:${line ?? 1}: ${subject}${what}`, job, line);
}

interface Positioned {
  readonly range?: readonly [number, number, number] | null;
}

function nodeAt(document: Document, path: readonly (string | number)[]): Positioned | undefined {
  const node = document.getIn(path, true);
  return typeof node === 'object' && node !== null ? (node as Positioned) : undefined;
}

/** The key node `key` of the map at `path`, whose position is the line the field is written on. */
function keyNode(document: Document, path: readonly (string | number)[], key: string): Positioned | undefined {
  const map = path.length === 0 ? document.contents : document.getIn(path, true);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((item) => (isScalar(item.key) ? item.key.value === key : item.key === key));
  return pair !== undefined && isScalar(pair.key) ? pair.key : undefined;
}
