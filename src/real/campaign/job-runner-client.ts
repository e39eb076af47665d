/**
 * One API client of `simrun real job-runner`: a process (the hidden `simrun real job-runner
 * --as-client NAME`) that starts a seeded mix of jobs on the jobs server through the library client
 * and stops the long ones a moment later, as a user's scripts do. The server may be dead, restarting
 * or paused at any moment: a call that gets no answer is tried again, so every job the client means
 * to start is started once the server is back; a stop of a job whose server has died answers 404 and
 * is recorded as such.
 *
 * It records what it did as log lines: `jobs-client.ready` (it is up), `client.started` (a job the server accepted) and
 * `jobs-client.stop` (a stop it sent, and the state the server answered).
 */
import { realEnv } from '../../env/real-env.js';
import { Prng } from '../../sim/prng.js';
import { jobClientEvents } from '../../systems/job-runner/events.js';
import { loadCredentials, RemoteError, startRemoteJob, stopRemoteJob, type ClientCredentials } from '../job-runner/client.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface JobRunnerClientOptions {
  readonly name: string;
  readonly server: string;
  /** Holds `ca.crt`, `NAME.crt` and `NAME.key`. */
  readonly certsDir: string;
  readonly jobs: number;
  readonly seed: number;
  /** How long a short job runs, ms. */
  readonly shortJobMs: number;
  /** How long a long job would run if nobody stopped it, ms: far past the run. */
  readonly longJobMs: number;
  /** From a long job's start to its stop, ms. */
  readonly stopAfterMs: number;
}

/** Give up on a server that has not answered for this long: the run's supervisor heals it well before. */
const GIVE_UP_MS = 60_000;
const RETRY_MS = 200;


export async function runJobRunnerClient(options: JobRunnerClientOptions): Promise<void> {
  const env = realEnv(options.name);
  const credentials = await loadCredentials(options.server, {
    cert: `${options.certsDir}/${options.name}.crt`,
    key: `${options.certsDir}/${options.name}.key`,
    ca: `${options.certsDir}/ca.crt`,
  });
  const prng = Prng.root(options.seed).fork(options.name);
  // The supervisor starts its nemesis once every client is this far: Node's start is not the test.
  env.log('jobs-client.ready', { server: options.server });
  for (let index = 0; index < options.jobs; index++) {
    const long = prng.chance(0.4);
    const seconds = ((long ? options.longJobMs : options.shortJobMs) / 1000).toFixed(3);
    // Two commands, so the shell forks a child into the job's group instead of exec-ing the sleep.
    const command = `sleep ${seconds}; echo ${options.name}-${index}`;
    const id = await retried(() => startRemoteJob(credentials, command));
    jobClientEvents.emit(env, { kind: 'client.started', data: { job: id } });
    if (long) {
      await sleep(options.stopAfterMs);
      await stopJob(env, credentials, id);
    }
    await sleep(prng.int(50, 300));
  }
}

async function stopJob(env: ReturnType<typeof realEnv>, credentials: ClientCredentials, id: string): Promise<void> {
  try {
    const status = await retried(() => stopRemoteJob(credentials, id));
    env.log('jobs-client.stop', { job: id, state: status.state });
  } catch (error) {
    // Its server died with it: the job is gone from the API (the next server killed its group).
    if (error instanceof RemoteError && error.status === 404) return env.log('jobs-client.stop', { job: id, state: 'unknown' });
    throw error;
  }
}

/** Tries `call` until the server answers: a refused or cut connection, or 503 while it shuts down. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const retry = !(error instanceof RemoteError) || error.status === 503;
      if (!retry || Date.now() > deadline) throw error;
      await sleep(RETRY_MS);
    }
  }
}
