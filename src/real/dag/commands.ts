/**
 * `simrun dag status`, `start`, `stop` and `restart`: they read the run log or queue a command in
 * the store, where a running `simrun dag run` takes it within its poll interval (or the next run does).
 */
import { readPipeline, requireJob, pipelineStatus, withStore, type JobStatusLine } from './pipeline-store.js';

export type DagAction = 'start' | 'stop' | 'restart';

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

/** Each job's state as the run log tells it. */
export async function dagStatus(pipelinePath: string, storeSpec: string): Promise<{ pipeline: string; jobs: JobStatusLine[] }> {
  const pipeline = await readPipeline(pipelinePath);
  return withStore(storeSpec, async (store) => ({ pipeline: pipeline.name, jobs: await pipelineStatus(pipeline, store) }));
}
