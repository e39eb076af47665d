/**
 * A pipeline: named jobs, each with a command, the jobs it depends on, and its limits. This module
 * holds the validated shape and the graph rules (every dependency exists, no cycle); reading one
 * from YAML is `pipeline-file.ts`.
 */
import { PipelineError } from './pipeline-error.js';

/** One job of a pipeline. Units last. */
export interface JobDefinition {
  readonly name: string;
  readonly command: string;
  /** Jobs that must succeed before this one starts. */
  readonly dependsOn: readonly string[];
  /** The job does not start before this wall-clock time (ms since the Unix epoch), even when its upstream jobs are done. */
  readonly startAtMs?: number;
  /** An alert is sent when one attempt runs longer than this. */
  readonly maxRuntimeMs?: number;
  /** An alert is sent when one attempt prints more than this many bytes. */
  readonly maxOutputBytes?: number;
  /**
   * An attempt still running this long is killed (its whole process group) and counts as a failed
   * attempt: a hard limit, where `maxRuntimeMs` only warns.
   */
  readonly killAfterMs?: number;
  /**
   * An alert is sent when one attempt generates more data than this: the amount the job reports
   * (`SIMRUN_DATA amount=N` lines on stdout, `data-report.ts`), or its stdout bytes when it reports none.
   */
  readonly maxData?: number;
  /** Failed attempts retried automatically before the job counts as failed. */
  readonly retries: number;
  /** Where the job is defined in its file, for error messages (1-based), when it came from one. */
  readonly line?: number;
}

export interface Pipeline {
  readonly name: string;
  /** In definition order, which is also the order ties are broken in. */
  readonly jobs: readonly JobDefinition[];
  /** At most this many of its jobs run at once (no limit when absent). */
  readonly maxParallel?: number;
  /** A cron expression (five or six fields, UTC): when `dag run --schedule` starts a new run. */
  readonly schedule?: string;
  /** Real mode: run every job's command under errexit (`set -e`), so the first failing command fails the job. */
  readonly errexit?: boolean;
}

/** Where a dependency is written, so a missing one can be reported at its line. */
export type DependencyLine = (job: string, dependencyIndex: number) => number | undefined;

/**
 * Checks the graph: every `dependsOn` names a job of the pipeline, and no job depends on itself
 * through any chain. Throws a `PipelineError` naming the job and the line.
 */
export function validateGraph(pipeline: Pipeline, source = 'pipeline', dependencyLine: DependencyLine = () => undefined): Pipeline {
  const byName = new Map(pipeline.jobs.map((job) => [job.name, job]));
  for (const job of pipeline.jobs) {
    job.dependsOn.forEach((dependency, index) => {
      if (!byName.has(dependency)) {
        const line = dependencyLine(job.name, index) ?? job.line;
        throw new PipelineError(`${at(source, line)}job '${job.name}': depends_on '${dependency}', which is not a job of this pipeline`, job.name, line);
      }
    });
  }
  const cycle = findCycle(pipeline.jobs);
  if (cycle !== undefined) {
    const first = byName.get(cycle[0] as string) as JobDefinition;
    throw new PipelineError(`${at(source, first.line)}job '${first.name}': dependency cycle ${cycle.join(' -> ')}`, first.name, first.line);
  }
  return pipeline;
}

function at(source: string, line: number | undefined): string {
  return line === undefined ? `${source}: ` : `${source}:${line}: `;
}

/** A cycle as a list of job names that starts and ends with the same job, or undefined. */
export function findCycle(jobs: readonly JobDefinition[]): string[] | undefined {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dependency);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const job of jobs) {
    const cycle = visit(job.name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Each job's direct downstream jobs, in definition order. */
export function downstreamOf(pipeline: Pipeline): Map<string, string[]> {
  const downstream = new Map<string, string[]>(pipeline.jobs.map((job) => [job.name, []]));
  for (const job of pipeline.jobs) for (const dependency of job.dependsOn) downstream.get(dependency)?.push(job.name);
  return downstream;
}

/** Every job reachable downstream of `name`, not including it. */
export function transitiveDownstream(pipeline: Pipeline, name: string): Set<string> {
  const downstream = downstreamOf(pipeline);
  const seen = new Set<string>();
  const stack = [...(downstream.get(name) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(downstream.get(next) ?? []));
  }
  return seen;
}

/** Jobs in an order where every job comes after all of its upstream jobs (the graph must be valid). */
export function topologicalOrder(pipeline: Pipeline): JobDefinition[] {
  const byName = new Map(pipeline.jobs.map((job) => [job.name, job]));
  const placed = new Set<string>();
  const order: JobDefinition[] = [];
  const place = (job: JobDefinition): void => {
    if (placed.has(job.name)) return;
    placed.add(job.name);
    for (const dependency of job.dependsOn) place(byName.get(dependency) as JobDefinition);
    order.push(job);
  };
  for (const job of pipeline.jobs) place(job);
  return order;
}
