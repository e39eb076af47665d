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
 *
 * Jobs run under the strict success rule (`strict-executor.ts`: errexit, and no process of the job
 * left running when its shell exits). Every notification goes to the console, and to the webhook and
 * email recipients when given; a channel that fails is reported on the console, never silently.
 * A pipeline whose every job succeeded in its current run has nothing to run: `nothingToRun` says
 * so (`--new-run` starts the next run). `runOnSchedule` starts a new run at each tick of the
 * pipeline's `schedule:` until it is stopped: the simulated scheduler's loop
 * (`src/systems/dag/scheduled-runs.ts`) on the real `Env`, so `scheduled-on-tick` judges this code.
 */
import { realEnv } from '../../env/real-env.js';
import type { JobView } from '../../systems/dag/dag-runner.js';
import { consoleNotifier, fanOutNotifier, webhookNotifier, type FetchLike, type Notifier } from '../../systems/dag/notifier.js';
import type { Pipeline } from '../../systems/dag/pipeline.js';
import { latestByJob } from '../../systems/dag/run-log.js';
import { pipelineSchedule } from '../../systems/dag/schedule.js';
import { runOnSchedule as runScheduledLoop } from '../../systems/dag/scheduled-runs.js';
import { isoInstant } from '../../systems/cron/schedule.js';
import { emailNotifier, maskSmtpUrl } from './email-notifier.js';
import { strictExecutor } from './strict-executor.js';
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
  /** Start the pipeline over as its next run, even when the last one succeeded. */
  readonly newRun?: boolean;
  /** Also email every notification to these addresses, through `smtpUrl`. */
  readonly emailTo?: readonly string[];
  /** The SMTP server, `smtp://[user:pass@]host[:port]` (default `smtp://localhost:25`). */
  readonly smtpUrl?: string;
  /** The sender of those emails (default `simrun@localhost`). */
  readonly emailFrom?: string;
}

export interface PipelineRun {
  readonly pipeline: string;
  /** The store, as it describes itself (password masked). */
  readonly store: string;
  readonly jobs: JobView[];
  /** A SIGTERM or SIGINT stopped the run. */
  readonly stopped: boolean;
  /** The run id the runner carried on or started. */
  readonly run: number;
  /** Every job had already succeeded in this run and nothing was queued: nothing ran. */
  readonly nothingToRun: boolean;
}

export async function runPipeline(options: RunPipelineOptions): Promise<PipelineRun> {
  const pipeline = await readPipeline(options.pipeline);
  return untilInterrupted((stop) => runOnce(pipeline, options, stop));
}

/** The notification channels `options` asks for, each reporting its own failure on the console. */
export function notificationChannels(options: Pick<RunPipelineOptions, 'print' | 'webhook' | 'emailTo' | 'smtpUrl' | 'emailFrom'>): Notifier {
  const channels: [string, Notifier][] = [['console', consoleNotifier(options.print)]];
  if (options.webhook !== undefined) channels.push([`webhook ${options.webhook}`, webhookNotifier(options.webhook, fetch as unknown as FetchLike)]);
  if (options.emailTo !== undefined && options.emailTo.length > 0) {
    const smtpUrl = options.smtpUrl ?? 'smtp://localhost:25';
    channels.push([`email via ${maskSmtpUrl(smtpUrl)}`, emailNotifier({ smtpUrl, from: options.emailFrom ?? 'simrun@localhost', to: options.emailTo })]);
  }
  return fanOutNotifier(
    channels.map(([name, channel]) => ({
      async notify(notification) {
        await channel.notify(notification).catch((error: unknown) => {
          options.print(`[notify-failed] ${name}: could not send ${notification.kind} for ${notification.pipeline}/${notification.job}: ${String((error as Error)?.message ?? error)}`);
          throw error;
        });
      },
    })),
  );
}

async function runOnce(pipeline: Pipeline, options: RunPipelineOptions, stop: AbortSignal): Promise<PipelineRun> {
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  // SIGKILL at half the bound leaves the other half for the groups to go and the rows to be written.
  const killGraceMs = Math.max(1, Math.floor(stopTimeoutMs / 2));
  return withStore(options.store, async (store) => {
      const owner = runnerOwnerId();
      const env = realEnv(owner, { ...(options.verbose ? {} : { logLine: () => undefined }), printLine: options.print });
      const rowsBefore = (await store.entries(pipeline.name)).length;
      const jobs = await runExclusively({
        env,
        pipeline,
        store,
        executor: strictExecutor(createShellExecutor({ killGraceMs }), { errexit: pipeline.errexit === true }),
        reaper: processGroupReaper({ graceMs: killGraceMs }),
        owner,
        notifier: notificationChannels(options),
        ...(options.newRun === true ? { newRun: true } : {}),
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
      const entries = await store.entries(pipeline.name);
      // Nothing written and every job done: the run had already succeeded, and this one did nothing.
      const nothingToRun = entries.length === rowsBefore && [...latestByJob(entries).values()].length === pipeline.jobs.length && jobs.every((job) => job.phase === 'succeeded');
      return { pipeline: pipeline.name, store: store.description, jobs, stopped: stop.aborted, run: jobs[0]?.run ?? 1, nothingToRun };
  });
}

export interface ScheduledRunOptions extends RunPipelineOptions {
  /** Told of each run as it ends. */
  readonly onRun: (run: PipelineRun) => void;
  /** Told when the next run is due, ms since the Unix epoch. */
  readonly onWait: (atMs: number) => void;
}

/**
 * Starts a new run of the pipeline at each tick of its `schedule:` (UTC) until SIGTERM or SIGINT.
 * Runs never overlap: a tick that comes while a run is still going is skipped, and the next run
 * starts at the first tick after the run ended. Returns the runs it made.
 */
export async function runOnSchedule(options: ScheduledRunOptions): Promise<PipelineRun[]> {
  const pipeline = await readPipeline(options.pipeline);
  const schedule = pipelineSchedule(pipeline);
  if (schedule === undefined) throw new InputError(`${options.pipeline}: the pipeline has no schedule: field (a cron expression, e.g. schedule: "0 2 * * *"), so --schedule has nothing to follow`);
  return untilInterrupted(async (stop) => {
    const runs: PipelineRun[] = [];
    // The ticks are judged by this machine's clock; with --verbose the loop's `dag.schedule.*`
    // events are logged as JSON lines, the trace `scheduled-on-tick` reads.
    const env = realEnv(runnerOwnerId(), { ...(options.verbose ? {} : { logLine: () => undefined }), printLine: options.print });
    await runScheduledLoop({
      env,
      pipeline: pipeline.name,
      schedule,
      stop,
      onWait: options.onWait,
      maxSleepMs: SCHEDULE_MAX_SLEEP_MS,
      ...(options.mutant === undefined ? {} : { flaws: dagFlawsOf(options.mutant) }),
      runOnce: async () => {
        const run = await runOnce(pipeline, { ...options, newRun: true }, stop);
        runs.push(run);
        options.onRun(run);
      },
    });
    return runs;
  });
}

/** How long the real scheduler sleeps at most before reading the wall clock again, ms. */
const SCHEDULE_MAX_SLEEP_MS = 60_000;

/** `ms` as an ISO instant, for the schedule's messages. */
export function describeInstant(ms: number): string {
  return isoInstant(ms);
}
