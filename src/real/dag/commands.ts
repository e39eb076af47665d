/**
 * `simrun dag status`, `start`, `stop` and `restart`: they read the run log or queue a command in
 * the store, where a running `simrun dag run` takes it within its poll interval (or the next run does).
 */
import { InputError } from '../../env/errors.js';
import { currentRun } from '../../systems/dag/run-log.js';
import type { AttemptOutput } from '../../systems/dag/run-log.js';
import { readPipeline, requireJob, pipelineStatus, withStore, type JobStatusLine } from './pipeline-store.js';

export type DagAction = 'start' | 'stop' | 'restart' | 'rerun';

export interface QueuedCommand {
  readonly pipeline: string;
  readonly action: DagAction;
  /** The job, or `null` for every job. */
  readonly job: string | null;
  /** The store, as it describes itself (password masked). */
  readonly store: string;
}

/** Queues `action` for `job` (every job when absent) of the pipeline in `pipelinePath`. */
export async function queueDagCommand(pipelinePath: string, storeSpec: string, action: DagAction, job?: string): Promise<QueuedCommand> {
  const pipeline = await readPipeline(pipelinePath);
  if (job !== undefined) requireJob(pipeline, job);
  return withStore(storeSpec, async (store) => {
    await store.enqueue({ pipeline: pipeline.name, action, jobKey: job ?? null });
    return { pipeline: pipeline.name, action, job: job ?? null, store: store.description };
  });
}

/**
 * `dag restart JOB [--force]`: queues a restart of a failed or stopped job, or with `force` a rerun of
 * a job that succeeded and every job downstream of it. Refuses (exit 2, one line saying why) when
 * it would change nothing: a job that is waiting, blocked or running, or one that succeeded without
 * `force`. The check reads the run log; a runner that gets the command later applies the same rule.
 */
export async function queueRestart(pipelinePath: string, storeSpec: string, job: string, force: boolean): Promise<QueuedCommand> {
  const pipeline = await readPipeline(pipelinePath);
  requireJob(pipeline, job);
  return withStore(storeSpec, async (store) => {
    const line = (await pipelineStatus(pipeline, store)).find((candidate) => candidate.job === job) as JobStatusLine;
    const run = currentRun(await store.entries(pipeline.name));
    if (line.phase === 'succeeded' && !force) {
      throw new InputError(`nothing to restart: job '${job}' of ${pipeline.name} already succeeded in run ${run}; pass --force to run it and every job after it again`);
    }
    if (line.phase !== 'succeeded' && line.phase !== 'failed' && line.phase !== 'stopped') {
      const why = line.phase === 'blocked' ? 'it waits for a failed job upstream of it: restart that one' : `it is ${line.phase}, and will run (or is running) by itself`;
      throw new InputError(`nothing to restart: job '${job}' of ${pipeline.name} has not finished in run ${run}: ${why}`);
    }
    const action: DagAction = line.phase === 'succeeded' ? 'rerun' : 'restart';
    await store.enqueue({ pipeline: pipeline.name, action, jobKey: job });
    return { pipeline: pipeline.name, action, job, store: store.description };
  });
}

/** The saved output of `job`'s attempts in run `run` (the newest run by default), oldest first; `attempt` picks one. */
export async function dagLogs(pipelinePath: string, storeSpec: string, job: string, select: { attempt?: number; run?: number } = {}): Promise<{ pipeline: string; run: number; outputs: AttemptOutput[] }> {
  const pipeline = await readPipeline(pipelinePath);
  requireJob(pipeline, job);
  return withStore(storeSpec, async (store) => {
    const all = await store.outputs(pipeline.name, job);
    const run = select.run ?? Math.max(0, ...all.map((output) => output.run));
    let outputs = all.filter((output) => output.run === run);
    if (outputs.length === 0) throw new InputError(all.length === 0 ? `job '${job}' of ${pipeline.name} has no saved output yet (it has not ended an attempt)` : `job '${job}' of ${pipeline.name} has no saved output in run ${run} (runs with output: ${[...new Set(all.map((output) => output.run))].join(', ')})`);
    if (select.attempt !== undefined) {
      outputs = outputs.filter((output) => output.attempt === select.attempt);
      if (outputs.length === 0) throw new InputError(`job '${job}' of ${pipeline.name} has no attempt ${select.attempt} in run ${run} (attempts: ${all.filter((output) => output.run === run).map((output) => output.attempt).join(', ')})`);
    }
    return { pipeline: pipeline.name, run, outputs };
  }, { readOnly: true });
}

/** Each job's state as the run log tells it. */
export async function dagStatus(pipelinePath: string, storeSpec: string): Promise<{ pipeline: string; jobs: JobStatusLine[] }> {
  const pipeline = await readPipeline(pipelinePath);
  return withStore(storeSpec, async (store) => ({ pipeline: pipeline.name, jobs: await pipelineStatus(pipeline, store) }), { readOnly: true });
}
