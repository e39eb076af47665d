/**
 * `simrun dag run`: the shipped `DagRunner` on Node's clock with the shell executor, its run log in
 * the store, notifications printed and optionally posted to a webhook.
 *
 * Lifecycle: the runner holds the pipeline's lease in the store while it runs (a second `dag run`
 * of the same pipeline refuses, or waits with `wait`; a holder that died on this machine is taken
 * over at once); each job runs in its own process group, whose
 * id goes into the run log; SIGTERM or SIGINT stop it: no more work, the running jobs' groups get
 * SIGTERM and, after half the stop timeout, SIGKILL, their attempts are recorded as interrupted, the
 * lease is given back, and it returns within the stop timeout. A runner that was SIGKILLed leaves
 * its jobs running; the next one ends those groups (found in the run log) before it runs them again.
 */
import { realEnv } from '../../env/real-env.js';
import type { JobView } from '../../systems/dag/dag-runner.js';
import { consoleNotifier, fanOutNotifier, webhookNotifier, type FetchLike, type Notifier } from '../../systems/dag/notifier.js';
import { DagRunnerBusyError, runExclusively } from '../../systems/dag/runner-lease.js';
import { dagFlawsOf, type DagMutant } from '../../systems/dag/mutants.js';
import { InputError } from '../../env/errors.js';
import type { OutputChunk } from '../../systems/job-runner/executor.js';
import { untilInterrupted } from '../common/signals.js';
import { createShellExecutor } from '../job-runner/shell-executor.js';
import { readPipeline, withStore } from './pipeline-store.js';
import { ownerIsDeadHere, processGroupReaper, runnerOwnerId } from './process-groups.js';

/** How long a stopped runner may take to end its jobs and exit, ms, unless told otherwise. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** How long the runner lease lasts between renewals, ms: a dead runner's lease lapses this long after it died. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

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
  /** On SIGTERM/SIGINT: how long to wait for the running jobs to end, ms (SIGKILL comes at half of it). */
  readonly stopTimeoutMs?: number;
  /** Wait for another runner of the pipeline to finish instead of refusing. */
  readonly wait?: boolean;
  /** Runner lease length, ms. */
  readonly leaseTtlMs?: number;
  /** A deliberately broken runner from the DAG mutant catalogue, for `simrun real dag --mutant`. */
  readonly mutant?: DagMutant;
}

export interface PipelineRun {
  readonly pipeline: string;
  /** The store, as it describes itself (password masked). */
  readonly store: string;
  readonly jobs: JobView[];
  /** A SIGTERM or SIGINT stopped the run. */
  readonly stopped: boolean;
}

export async function runPipeline(options: RunPipelineOptions): Promise<PipelineRun> {
  const pipeline = await readPipeline(options.pipeline);
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  // SIGKILL at half the bound leaves the other half for the groups to go and the rows to be written.
  const killGraceMs = Math.max(1, Math.floor(stopTimeoutMs / 2));
  return untilInterrupted((stop) =>
    withStore(options.store, async (store) => {
      const owner = runnerOwnerId();
      const env = realEnv(owner, { ...(options.verbose ? {} : { logLine: () => undefined }), printLine: options.print });
      const notifiers: Notifier[] = [consoleNotifier(options.print)];
      if (options.webhook !== undefined) notifiers.push(webhookNotifier(options.webhook, fetch as unknown as FetchLike));
      const jobs = await runExclusively({
        env,
        pipeline,
        store,
        executor: createShellExecutor({ killGraceMs }),
        reaper: processGroupReaper({ graceMs: killGraceMs }),
        owner,
        notifier: fanOutNotifier(notifiers),
        commandPollMs: options.pollMs,
        onOutput: (job: string, chunk: OutputChunk) => {
          for (const line of chunk.text.replace(/\n$/, '').split('\n')) options.print(`${job}${chunk.stream === 'stderr' ? '!' : ''} | ${line}`);
        },
        follow: options.follow,
        stop,
        stopTimeoutMs,
        leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
        wait: options.wait ?? false,
        holderIsDead: ownerIsDeadHere,
        ...(options.mutant === undefined ? {} : { flaws: dagFlawsOf(options.mutant) }),
      }).catch((error: unknown) => {
        if (!(error instanceof DagRunnerBusyError)) throw error;
        const lapses = error.holder === undefined ? '' : ` (if it died, its lease lapses at ${new Date(error.holder.expiresAtMs).toISOString()})`;
        throw new InputError(`${error.message}: stop it first, or pass --wait to wait for it${lapses}`);
      });
      return { pipeline: pipeline.name, store: store.description, jobs, stopped: stop.aborted };
    }),
  );
}
