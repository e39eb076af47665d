/**
 * The job runner with a store, in a simulated world: a runner that crashes and restarts on the same
 * store fails the job it was executing ("runner restarted"), runs the queued and scheduled ones and
 * keeps every output; finished jobs leave memory after the retention period and stay queryable;
 * stdout and stderr are kept apart, the merged view stays.
 */
import { describe, expect, test } from 'vitest';
import type { Env } from '../../src/env/env.js';
import { World } from '../../src/sim/world.js';
import { JobRunner, RUNNER_RESTARTED } from '../../src/systems/job-runner/job-runner.js';
import { JobOutput } from '../../src/systems/job-runner/job-output.js';
import { MemoryJobStore } from '../../src/systems/job-runner/job-store.js';
import { createSimExecutor, SimExecutionRegistry, chunkText } from '../../src/systems/job-runner/sim-executor.js';
import { jobRunnerFlawsOf } from '../../src/systems/job-runner/mutants.js';

/** `"3x1000:0"`: 3 chunks of 10 bytes, one every 1 000 ms, then exit 0. */
function behaviourOf(command: string) {
  const [chunks, everyMs, exitCode] = command.split(/[x:]/).map(Number) as [number, number, number];
  return { chunks, chunkBytes: 10, everyMs, tailMs: 0, exitCode };
}

/** A world with a runner process on `store` (made again at each restart) and a client running `story`. */
function worldWith(store: MemoryJobStore, story: (runner: () => JobRunner, env: Env) => Promise<void>, options: { retentionMs?: number; mutant?: string } = {}): { world: World; runners: JobRunner[] } {
  const world = new World({ seed: 5, horizonMs: 600_000 });
  const registry = new SimExecutionRegistry();
  const runners: JobRunner[] = [];
  world.spawn('runner', async (env) => {
    runners.push(new JobRunner({ env, executor: createSimExecutor(env, registry, behaviourOf), concurrencyLimit: 1, store, flaws: jobRunnerFlawsOf(options.mutant), ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }) }));
    await new Promise<never>(() => undefined);
  });
  world.spawn('client', (env) => story(() => runners[runners.length - 1] as JobRunner, env));
  return { world, runners };
}

describe('a runner restarted on its store', () => {
  async function crashAndRestart(mutant?: string): Promise<{ store: MemoryJobStore; runners: JobRunner[] }> {
    const store = new MemoryJobStore();
    const { world, runners } = worldWith(
      store,
      async (runner, env) => {
        runner().start({ command: '5x1000:0' }); // executing when the runner dies
        runner().start({ command: '1x100:0' }); // queued behind the limit of one
        runner().start({ command: '1x100:0' }, { at: env.now() + 10_000 }); // scheduled
      },
      mutant === undefined ? {} : { mutant },
    );
    world.at(2_500, () => world.crash('runner'));
    world.at(4_000, () => world.restart('runner'));
    await world.run();
    return { store, runners };
  }

  test('fails the job it was executing, runs the queued and the scheduled one, keeps the output', async () => {
    const { store, runners } = await crashAndRestart();
    expect(runners).toHaveLength(2);
    const [executing, queued, scheduled] = store.load();
    expect(executing).toMatchObject({ id: 'job-1', state: 'failed', reason: RUNNER_RESTARTED, endedAtMs: expect.any(Number) as number });
    expect(queued).toMatchObject({ id: 'job-2', state: 'completed' });
    expect(scheduled).toMatchObject({ id: 'job-3', state: 'completed' });
    expect((scheduled?.startedAtMs ?? 0) - (scheduled?.queuedAtMs ?? 0)).toBeGreaterThanOrEqual(10_000);
    const restarted = runners[1] as JobRunner;
    expect(restarted.recovered).toEqual([
      { id: 'job-1', was: 'executing', now: 'failed' },
      { id: 'job-2', was: 'queued', now: 'queued' },
      { id: 'job-3', was: 'queued', now: 'queued' },
    ]);
    // What job-1 printed before the crash (its first two chunks, as e1) is still there.
    expect(restarted.output('job-1').text()).toBe(chunkText('e1', 0, 10) + chunkText('e1', 1, 10));
    // New jobs get ids after the recovered ones.
    expect(restarted.start({ command: '0x1:0' })).toBe('job-4');
  });

  test('the restart-forgets-queued mutant leaves the queued jobs queued for ever', async () => {
    const { store, runners } = await crashAndRestart('restart-forgets-queued');
    expect((runners[1] as JobRunner).recovered).toEqual([{ id: 'job-1', was: 'executing', now: 'failed' }]);
    expect(store.load().map((job) => job.state)).toEqual(['failed', 'queued', 'queued']);
  });
});

test('a finished job leaves memory after the retention period; its status and output stay queryable', async () => {
  const store = new MemoryJobStore();
  const seen: string[] = [];
  const { world } = worldWith(
    store,
    async (runner, env) => {
      const id = runner().start({ command: '2x100:3' });
      await runner().settled(id);
      seen.push(`${runner().inMemory(id)}`);
      await env.sleep(999);
      seen.push(`${runner().inMemory(id)}`);
      await env.sleep(2);
      seen.push(`${runner().inMemory(id)} ${runner().status(id).state} ${runner().status(id).exit} ${runner().list().length}`);
      seen.push(runner().output(id).text());
      seen.push((await runner().settled(id)).state);
    },
    { retentionMs: 1_000 },
  );
  await world.run();
  expect(seen).toEqual(['true', 'true', 'false failed exit 3 1', chunkText('e1', 0, 10) + chunkText('e1', 1, 10), 'failed']);
});

test('stdout and stderr are kept apart, and the merged view keeps the order they were printed in', async () => {
  const output = new JobOutput();
  output.append({ stream: 'stdout', text: 'out 1\n' });
  output.append({ stream: 'stderr', text: 'err 1\n' });
  output.append({ stream: 'stdout', text: 'out 2\n' });
  output.end();
  expect(output.text()).toBe('out 1\nerr 1\nout 2\n');
  expect(output.text('stdout')).toBe('out 1\nout 2\n');
  expect(output.text('stderr')).toBe('err 1\n');
  expect([output.sizeOf(), output.sizeOf('stdout'), output.sizeOf('stderr')]).toEqual([18, 12, 6]);
  const stderr: string[] = [];
  for await (const bytes of output.bytes(false, 'stderr')) stderr.push(Buffer.from(bytes).toString());
  expect(stderr).toEqual(['err 1\n']);
});
