/**
 * What the `simrun dag` commands share: reading the pipeline file, opening the store a `--store`
 * flag names, and the jobs' state as the run log tells it.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../../env/errors.js';
import { withBlocked, resumeFromLog, type JobPhase } from '../../systems/dag/job-state.js';
import { parsePipeline } from '../../systems/dag/pipeline-file.js';
import type { Pipeline } from '../../systems/dag/pipeline.js';
import { createPostgresStore } from '../../systems/dag/postgres-store.js';
import { createMysqlStore } from '../../systems/dag/mysql-store.js';
import { latestByJob, type DagStore } from '../../systems/dag/run-log.js';
import { createSqliteStore } from '../../systems/dag/sqlite-store.js';
import { readInputFile } from '../common/files.js';

/** The store when no `--store` is given: a SQLite file in the current directory. */
export const DEFAULT_STORE = 'sqlite:simrun-dag.db';

/** Reads and validates a pipeline file; a `PipelineError` (exit 2) when it is wrong, an `InputError` when it is missing. */
export async function readPipeline(path: string): Promise<Pipeline> {
  return parsePipeline(await readInputFile(path, 'the pipeline file'), path);
}

/** Opens `sqlite:PATH`, a `postgres://` URL or a `mysql://` URL (MySQL or MariaDB). */
export async function openStore(spec: string): Promise<DagStore> {
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (path === '') throw new InputError(`--store sqlite: needs a path, like sqlite:pipeline.db`);
    try {
      return createSqliteStore(path);
    } catch (error) {
      throw new InputError(`cannot open the store ${spec}: ${(error as Error).message}`);
    }
  }
  if (/^postgres(ql)?:\/\//.test(spec)) {
    try {
      return await createPostgresStore(spec);
    } catch (error) {
      throw new InputError(`cannot open the store ${spec.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@')}: ${(error as Error).message}`);
    }
  }
  if (spec.startsWith('mysql://')) {
    try {
      return await createMysqlStore(spec);
    } catch (error) {
      throw new InputError(`cannot open the store ${spec.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@')}: ${(error as Error).message}`);
    }
  }
  throw new InputError(`--store must be sqlite:PATH, a postgres:// URL or a mysql:// URL, got '${spec}'`);
}

/** One job's line in `simrun dag status`. */
export interface JobStatusLine {
  readonly job: string;
  readonly phase: JobPhase;
  readonly attempt: number;
  /** From its newest run-log row: how long its last attempt ran, what it printed, when. */
  readonly execTimeMs?: number;
  readonly amountOfDataBytes?: number;
  readonly timestampMs?: number;
  /** Its newest row says it was running: either a runner is running it now, or it was interrupted. */
  readonly lastStatus?: string;
}

/** Each job's state as the run log tells it, with `blocked` filled in. */
export async function pipelineStatus(pipeline: Pipeline, store: DagStore): Promise<JobStatusLine[]> {
  const entries = await store.entries(pipeline.name);
  const resumed = resumeFromLog(pipeline, entries);
  const latest = latestByJob(entries);
  const phases = withBlocked(pipeline, new Map([...resumed].map(([name, job]) => [name, job.phase])));
  return pipeline.jobs.map((job) => {
    const entry = latest.get(job.name);
    const phase = entry?.status === 'running' ? 'running' : (phases.get(job.name) as JobPhase);
    return {
      job: job.name,
      phase,
      attempt: entry?.attempt ?? 0,
      ...(entry === undefined ? {} : { execTimeMs: entry.execTimeMs, amountOfDataBytes: entry.amountOfDataBytes, timestampMs: entry.timestampMs, lastStatus: entry.status }),
    };
  });
}

/** Checks that `job` is a job of `pipeline`, naming the known ones if not. */
export function requireJob(pipeline: Pipeline, job: string): void {
  if (!pipeline.jobs.some((candidate) => candidate.name === job)) {
    throw new InputError(`pipeline '${pipeline.name}' has no job '${job}' (known: ${pipeline.jobs.map((candidate) => candidate.name).join(', ')})`);
  }
}

/**
 * Opens the store, hands it to `work`, and closes it whatever happens. With `readOnly` (`dag status`,
 * `dag logs`), a SQLite file that does not exist is read as an empty run log rather than created:
 * asking where a pipeline stands leaves no database behind.
 */
export async function withStore<T>(spec: string, work: (store: DagStore) => Promise<T>, options: { readonly readOnly?: boolean } = {}): Promise<T> {
  const absent = options.readOnly === true && spec.startsWith('sqlite:') && spec !== 'sqlite:' && !existsSync(spec.slice('sqlite:'.length));
  const store = await openStore(absent ? 'sqlite::memory:' : spec);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
