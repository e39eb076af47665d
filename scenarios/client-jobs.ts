/**
 * Scenario `client-jobs` (seed 000): jobs queued per client, started all at once, each appending the
 * fixed text to its client's output file part by part, some crashing part-way.
 *
 * - Workload: `clients` clients (`acme` alone by default, the seed's case), `jobs` jobs each, every job
 *   its own simulated process started at time 0, like the seed's five threads.
 * - Faults a seed may inject: process crashes (restarted after up to 3 s: the supervisor reruns the
 *   job), pauses shorter than a third of the lease, clock skew up to a sixth of the lease (the file
 *   lock judges expiry by the caller's clock), slow storage. Not injected: I/O errors (a job does not
 *   retry them; it fails loudly instead), pauses or skews beyond those bounds (a lease lock on a plain
 *   file cannot fence a writer that wakes after its lease was taken over).
 * - Invariants: the output is exactly k whole texts for k successful jobs; every job succeeded or was
 *   reported failed; one client's jobs never overlapped, and ran in the order they were queued (the
 *   tickets of the client's waiting line in the lock store); different clients' jobs did overlap.
 */
import { z } from 'zod';
import { errorCode } from '../src/env/fs.js';
import { feed } from '../src/check/checker.js';
import { clientsInParallel, everyJobReported, firstQueuedFirstRun, noPartAfterLoss, oneJobPerClient, outputWholeTexts } from '../src/check/client-jobs/index.js';
import { attemptsFromTrace, type ClientJobsHistory, type ExpectedJob } from '../src/check/client-jobs/history.js';
import { defineScenario, type CheckContext } from '../src/scenario/scenario.js';
import { prepareSimLock, SimLocks, simLockParam } from '../src/scenario/sim-locks.js';
import type { World } from '../src/sim/world.js';
import { clientJobsMutants, runClientJob, type ClientJobOptions, type ClientJobsMutantName } from '../src/systems/client-jobs/index.js';

const params = z
  .object({
    /** How many clients; each has its own queue and output file. */
    clients: z.number().int().positive().max(26).default(1),
    /** Jobs per client, all started at once. */
    jobs: z.number().int().positive().max(1_000).default(5),
    /** Probability that a job crashes part-way. */
    crashRate: z.number().min(0).max(1).default(0.3),
    lock: simLockParam.default('memory'),
    /** Work between two parts of the text, drawn per part. */
    partWorkMsMin: z.number().int().nonnegative().default(100),
    partWorkMsMax: z.number().int().nonnegative().default(500),
    /** Lease of a client's lock. */
    ttlMs: z.number().int().positive().default(2_000),
    /** Longest wait between two lock attempts. */
    backoffMsMax: z.number().int().positive().default(400),
  })
  .strict();

type Params = z.infer<typeof params>;

const CLIENT_NAMES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'wonka'];

/** The client names of a run: `acme` first, as in the seed. */
export function clientNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => CLIENT_NAMES[index] ?? `client-${index + 1}`);
}

/** Where a client's output lives on the world's volume. */
export function outputPathOf(client: string): string {
  return `/out/${client}.txt`;
}

function expectedJobs(p: Params): ExpectedJob[] {
  return clientNames(p.clients).flatMap((client) => Array.from({ length: p.jobs }, (_, index) => ({ client, job: index + 1, process: `${client}-job-${index + 1}` })));
}

/** Mutants a default run (one client) can expose; `global-lock` needs two clients, so it is not among them. */
const DECLARED_MUTANTS: readonly ClientJobsMutantName[] = ['no-lock', 'partial-text-kept', 'crash-blocks-queue', 'backoff-order'];

/** What one run keeps: its lock stores. */
interface ClientJobsState {
  readonly locks: SimLocks;
}

/** The jobs' attempts and each client's final output, read once per run for the four invariants. */
async function history(context: CheckContext<Params, ClientJobsState>): Promise<ClientJobsHistory> {
  const expected = expectedJobs(context.params);
  const outputs = await Promise.all(
    clientNames(context.params.clients).map(async (client) => {
      const path = outputPathOf(client);
      try {
        return { client, path, content: await context.world.fs.readFile(path, 'utf8') };
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return { client, path, content: '' };
        throw error;
      }
    }),
  );
  return { expected, attempts: attemptsFromTrace(context.trace, expected), outputs };
}

/** What the client-jobs checkers read: the history, and how long a client may idle while another runs. */
const clientJobsInputs = async (context: CheckContext<Params, ClientJobsState>) => ({
  history: await context.derive(history),
  parallelism: { baseToleranceMs: context.params.ttlMs + 2 * context.params.backoffMsMax, perCrashToleranceMs: context.params.ttlMs + context.params.backoffMsMax },
  endAtMs: context.world.now(),
});

export default defineScenario<Params, ClientJobsState>({
  name: 'client-jobs',
  summary: 'jobs queued per client append a multi-part text; one at a time per client, crashes leave no partial text',
  params,
  horizonMs: () => 120_000,
  faultSpace: (p) => ({
    targets: expectedJobs(p).map((job) => job.process),
    windowMs: 10_000,
    rates: { crash: 0.6, pause: 0.6, skew: 1, 'fs-slow': 0.5 },
    restartAfterMsMax: 3_000,
    pauseMsMax: Math.floor(p.ttlMs / 3),
    skewMsMax: Math.floor(p.ttlMs / 6),
    fsSlowMsMax: 40,
    fsSlowDurationMsMax: 5_000,
  }),
  shrinkParams: { clients: 1, jobs: 1 },
  // Under --swarm: how many clients and jobs, how often jobs crash, the lease and the pace. Pauses
  // and skews scale with the drawn lease (a third and a sixth of it), as the bounds above require.
  paramRanges: {
    clients: { min: 1, max: 4, integer: true },
    jobs: { min: 1, max: 8, integer: true },
    crashRate: { min: 0, max: 0.5 },
    lock: { oneOf: ['memory', 'sqlite', 'file'] },
    partWorkMsMin: { min: 10, max: 200, integer: true },
    partWorkMsMax: (p) => ({ min: p.partWorkMsMin, max: 1_000, integer: true }),
    ttlMs: { min: 1_000, max: 5_000, integer: true },
    backoffMsMax: { min: 50, max: 1_000, integer: true },
  },
  prepare: (p) => prepareSimLock(p.lock),
  mutants: Object.fromEntries(DECLARED_MUTANTS.map((name) => [name, clientJobsMutants[name].flaw])),
  async setup(world: World, p, { mutant }) {
    await world.fs.mkdir('/out', { recursive: true });
    const state: ClientJobsState = { locks: new SimLocks(world) };
    for (const job of expectedJobs(p)) {
      world.spawn(job.process, async (env) => {
        // A graceful stop (SIGTERM) lets the job process finish the one job it runs and exit: it takes
        // no other work, and a text it is writing is finished and committed rather than left half
        // written for the next job's rollback; waiting in line ends when its turn comes. Registered
        // first, so a stop at any moment after the process started is graceful.
        env.onStop?.(() => undefined);
        const stores = { lock: state.locks.create(p.lock, env), queue: state.locks.createQueue(p.lock, env) };
        const options: ClientJobOptions = {
          client: job.client,
          job: job.job,
          outputPath: outputPathOf(job.client),
          crashRate: p.crashRate,
          partWorkMsMin: p.partWorkMsMin,
          partWorkMsMax: Math.max(p.partWorkMsMin, p.partWorkMsMax),
          ttlMs: p.ttlMs,
          backoff: { minMs: 5, maxMs: p.backoffMsMax },
        };
        const design = mutant === undefined ? undefined : clientJobsMutants[mutant as ClientJobsMutantName].design(env, stores, options);
        await runClientJob(env, stores, options, design);
      });
    }
    return state;
  },
  invariants: [...[outputWholeTexts, everyJobReported, oneJobPerClient, firstQueuedFirstRun, clientsInParallel].map((checker) => feed(checker, clientJobsInputs)), noPartAfterLoss],
  teardown: (_world, { locks }) => locks.close(),
});
