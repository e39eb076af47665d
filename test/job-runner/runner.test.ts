/**
 * The job runner library in a simulated world: lifecycle, concurrency limit, scheduled starts
 * (also across a clock step), stopping queued and executing jobs, output whole and streamed.
 */
import { describe, expect, test } from 'vitest';
import type { Env } from '../../src/env/env.js';
import { World } from '../../src/sim/world.js';
import { JobRunner, type JobRunnerFlaws } from '../../src/systems/job-runner/job-runner.js';
import { jobRunnerFlawsOf } from '../../src/systems/job-runner/mutants.js';
import { IllegalTransition, checkTransition } from '../../src/systems/job-runner/lifecycle.js';
import { createSimExecutor, SimExecutionRegistry, chunkText } from '../../src/systems/job-runner/sim-executor.js';

/** `"3x1000:0"`: 3 chunks of 10 bytes, one every 1 000 ms, then exit 0. */
function behaviourOf(command: string) {
  const [chunks, everyMs, exitCode] = command.split(/[x:]/).map(Number) as [number, number, number];
  return { chunks, chunkBytes: 10, everyMs, tailMs: 0, exitCode };
}

/** Runs `story` as a client process against a runner with `limit` slots; returns the world after it ran. */
async function simulate(limit: number, story: (runner: JobRunner, env: Env, world: World) => Promise<void>, setup?: (world: World) => void, flaws?: JobRunnerFlaws): Promise<World> {
  const world = new World({ seed: 3, horizonMs: 3_600_000 });
  const registry = new SimExecutionRegistry();
  let runner: JobRunner | undefined;
  world.spawn('runner', async (env) => {
    runner = new JobRunner({ env, executor: createSimExecutor(env, registry, behaviourOf), concurrencyLimit: limit, ...(flaws === undefined ? {} : { flaws }) });
    // Its jobs are its children: the process must live for them to run.
    await new Promise<never>(() => undefined);
  });
  world.spawn('client', async (env) => story(runner as JobRunner, env, world));
  setup?.(world);
  await world.run();
  const errors = world.trace.events.filter((event) => event.kind === 'process.error');
  expect(errors).toEqual([]);
  return world;
}

const transitions = (world: World): string[] =>
  world.trace.events.filter((event) => event.kind === 'job.transition').map((event) => `${event.t - world.epochMs} ${String(event.data?.job)} ${String(event.data?.to)}`);

describe('JobRunner', () => {
  test('the lifecycle allows only the legal transitions', () => {
    expect(() => checkTransition('j', 'queued', 'executing')).not.toThrow();
    expect(() => checkTransition('j', 'executing', 'stopped')).not.toThrow();
    expect(() => checkTransition('j', 'queued', 'completed')).toThrow(IllegalTransition);
    expect(() => checkTransition('j', 'stopped', 'executing')).toThrow('job j: illegal transition stopped -> executing');
  });

  test('runs at most `limit` jobs at once, the rest in the order they came', async () => {
    const world = await simulate(2, async (runner) => {
      const ids = ['2x1000:0', '1x1000:1', '1x500:0', '1x100:0'].map((command) => runner.start({ command }));
      const finals = await Promise.all(ids.map((id) => runner.settled(id)));
      expect(finals.map((job) => `${job.id} ${job.state} ${job.exit}`)).toEqual(['job-1 completed exit 0', 'job-2 failed exit 1', 'job-3 completed exit 0', 'job-4 completed exit 0']);
    });
    expect(transitions(world)).toEqual([
      '0 job-1 executing',
      '0 job-2 executing',
      '1000 job-2 failed',
      '1000 job-3 executing',
      '1500 job-3 completed',
      '1500 job-4 executing',
      '1600 job-4 completed',
      '2000 job-1 completed',
    ]);
  });

  test('a scheduled job waits for its time, also when the runner’s clock is stepped back meanwhile', async () => {
    const world = await simulate(
      1,
      async (runner, env) => {
        const id = runner.start({ command: '1x10:0' }, { at: env.now() + 5_000 });
        expect(runner.status(id).state).toBe('queued');
        await runner.settled(id);
      },
      (world) => world.at(2_000, () => world.setSkew('runner', -3_000)),
    );
    // By the runner's clock the job is due at 5 000; after the step back that is true time 8 000.
    expect(transitions(world)).toEqual(['8000 job-1 executing', '8010 job-1 completed']);
  });

  test('a job stopped while queued never runs; one stopped while executing is killed and ends stopped', async () => {
    const world = await simulate(1, async (runner, env) => {
      const long = runner.start({ command: '5x1000:0' });
      const queued = runner.start({ command: '1x10:0' });
      const scheduled = runner.start({ command: '1x10:0' }, { at: env.now() + 500 });
      expect(runner.stop(queued).state).toBe('stopped');
      expect(runner.stop(scheduled).state).toBe('stopped');
      await env.sleep(2_500);
      expect(runner.stop(long).state).toBe('executing');
      const final = await runner.settled(long);
      expect([final.state, final.exit]).toEqual(['stopped', 'signal SIGTERM']);
      expect(runner.output(long).text()).toBe(chunkText('e1', 0, 10) + chunkText('e1', 1, 10));
      expect(runner.stop(long).state).toBe('stopped');
    });
    expect(transitions(world)).toEqual(['0 job-1 executing', '0 job-2 stopped', '0 job-3 stopped', '2500 job-1 stopped']);
  });

  test('output streams live from the first chunk, whenever the stream is opened, and ends with the job', async () => {
    await simulate(1, async (runner, env, world) => {
      const id = runner.start({ command: '3x1000:0' });
      await env.sleep(1_500);
      const seen: [number, string][] = [];
      for await (const chunk of runner.output(id).stream()) seen.push([env.now() - world.epochMs, chunk.text]);
      expect(seen).toEqual([
        [1_500, chunkText('e1', 0, 10)],
        [2_000, chunkText('e1', 1, 10)],
        [3_000, chunkText('e1', 2, 10)],
      ]);
      expect(runner.output(id).complete).toBe(true);
      expect(runner.list().map((job) => job.state)).toEqual(['completed']);
    });
  });

  test('an unknown id is an UnknownJob error', async () => {
    await simulate(1, async (runner) => {
      expect(() => runner.status('job-9')).toThrow('no job job-9');
    });
  });

  test('a flaw replaces one rule and leaves the others correct: over-concurrency runs one job too many, in order', async () => {
    const world = await simulate(
      1,
      async (runner) => {
        const ids = ['1x1000:0', '1x1000:0', '1x1000:0'].map((command) => runner.start({ command }));
        await Promise.all(ids.map((id) => runner.settled(id)));
      },
      undefined,
      jobRunnerFlawsOf('over-concurrency'),
    );
    expect(transitions(world)).toEqual(['0 job-1 executing', '0 job-2 executing', '1000 job-1 completed', '1000 job-3 executing', '1000 job-2 completed', '2000 job-3 completed']);
  });

  test('stream-skips-buffered starts a late stream at the live edge; the correct runner from the first chunk', async () => {
    const lateStream = async (flaws?: JobRunnerFlaws): Promise<number> => {
      let chunks = 0;
      await simulate(
        1,
        async (runner, env) => {
          const id = runner.start({ command: '3x1000:0' });
          await env.sleep(1_500);
          for await (const _chunk of runner.output(id).stream()) chunks += 1;
        },
        undefined,
        flaws,
      );
      return chunks;
    };
    expect(await lateStream()).toBe(3);
    expect(await lateStream(jobRunnerFlawsOf('stream-skips-buffered'))).toBe(2);
  });

  test('no mutant, or a name not in the catalogue, breaks nothing', () => {
    expect(jobRunnerFlawsOf(undefined)).toEqual({});
    expect(jobRunnerFlawsOf('toString')).toEqual({});
  });
});

describe('waits longer than Node’s timer limit', () => {
  const far = 30 * 86_400_000;
  const story = async (runner: JobRunner, env: Env): Promise<void> => {
    const id = runner.start({ command: '1x10:0' }, { at: env.now() + far });
    await env.sleep(10_000);
    runner.stop(id);
  };
  test('the shipped runner sleeps in pieces Node honours: no timer overflows', async () => {
    const world = await simulate(1, story);
    expect(world.trace.events.filter((event) => event.kind === 'process.timer-overflow')).toEqual([]);
  });
  test('one long sleep fires after 1 ms in simulation, as in Node: the unsliced wait spins', async () => {
    const unsliced: JobRunnerFlaws = {
      async sleepUntil(env, atMs, signal) {
        for (let now = env.now(); now < atMs; now = env.now()) await env.sleep(atMs - now, signal);
      },
    };
    const world = await simulate(1, story, undefined, unsliced);
    expect(world.trace.events.filter((event) => event.kind === 'process.timer-overflow').length).toBeGreaterThan(1_000);
  });
});

test('a job past its timeout is killed and ends failed with the reason', async () => {
  await simulate(1, async (runner) => {
    const id = runner.start({ command: '5x1000:0' }, { timeoutMs: 2_500 });
    const final = await runner.settled(id);
    expect([final.state, final.reason, final.exit]).toEqual(['failed', 'timed out after 2500 ms', 'signal SIGTERM']);
  });
});

test('--at needs a zone', async () => {
  const { parseStartTime } = await import('../../src/real/job-runner/client.js');
  expect(parseStartTime('2030-01-01T00:00:00Z')).toBe(Date.UTC(2030, 0, 1));
  expect(parseStartTime('2030-01-01T01:00:00+01:00')).toBe(Date.UTC(2030, 0, 1));
  expect(() => parseStartTime('2030-01-01T00:00:00')).toThrow(/with a zone/);
});
