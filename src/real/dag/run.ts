/**
 * `simrun dag run`: the shipped `DagRunner` on Node's clock with the shell executor, its run log in
 * the store, notifications printed and optionally posted to a webhook.
 */
import { realEnv } from '../../env/real-env.js';
import { DagRunner, type JobView } from '../../systems/dag/dag-runner.js';
import { consoleNotifier, fanOutNotifier, webhookNotifier, type FetchLike, type Notifier } from '../../systems/dag/notifier.js';
import type { OutputChunk } from '../../systems/job-runner/executor.js';
import { createShellExecutor } from '../job-runner/shell-executor.js';
import { readPipeline, withStore } from './pipeline-store.js';

export interface RunPipelineOptions {
  /** The pipeline file (YAML). */
  readonly pipeline: string;
  /** `sqlite:PATH` or a `postgres://` URL. */
  readonly store: string;
  /** Also POST every notification as JSON here. */
  readonly webhook?: string;
  /** Keep running and taking commands after the pipeline has settled. */
  readonly follow: boolean;
  /** How often commands are taken from the store, ms. */
  readonly pollMs: number;
  /** Print the runner's structured log (JSON lines) on stderr. */
  readonly verbose: boolean;
  /** Where notifications and the jobs' output lines go. */
  readonly print: (line: string) => void;
}

export interface PipelineRun {
  readonly pipeline: string;
  /** The store, as it describes itself (password masked). */
  readonly store: string;
  readonly jobs: JobView[];
}

export async function runPipeline(options: RunPipelineOptions): Promise<PipelineRun> {
  const pipeline = await readPipeline(options.pipeline);
  return withStore(options.store, async (store) => {
    const env = realEnv('dag-runner', { ...(options.verbose ? {} : { logLine: () => undefined }), printLine: options.print });
    const notifiers: Notifier[] = [consoleNotifier(options.print)];
    if (options.webhook !== undefined) notifiers.push(webhookNotifier(options.webhook, fetch as unknown as FetchLike));
    const runner = await DagRunner.open({
      env,
      pipeline,
      store,
      executor: createShellExecutor(),
      notifier: fanOutNotifier(notifiers),
      commandPollMs: options.pollMs,
      onOutput: (job: string, chunk: OutputChunk) => {
        for (const line of chunk.text.replace(/\n$/, '').split('\n')) options.print(`${job}${chunk.stream === 'stderr' ? '!' : ''} | ${line}`);
      },
    });
    return { pipeline: pipeline.name, store: store.description, jobs: await runner.run({ follow: options.follow }) };
  });
}
