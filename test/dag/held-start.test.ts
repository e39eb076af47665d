/**
 * The DAG runner lets a job's command run only once the run log names its execution: it starts the
 * execution held, writes the row with its id, and only then releases it. A runner killed between
 * the start and that row leaves nothing running (the real executor's held shell exits when its
 * starter dies: test/real/held-shell.test.ts), never a job that no row names. When the row is
 * refused (the lease is gone), the execution is killed and never released.
 */
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import type { Env } from '../../src/env/env.js';
import { World } from '../../src/sim/world.js';
import { DagRunner } from '../../src/systems/dag/dag-runner.js';
import { validateGraph } from '../../src/systems/dag/pipeline.js';
import type { DagStore } from '../../src/systems/dag/run-log.js';
import { createSqliteStore } from '../../src/systems/dag/sqlite-store.js';
import type { Executor } from '../../src/systems/job-runner/executor.js';
import { createSimExecutor, SimExecutionRegistry } from '../../src/systems/job-runner/sim-executor.js';

/** Runs a one-job pipeline; returns, in order, what the executor and the store were asked to do. */
async function steps(refuseExecutionRows: boolean): Promise<string[]> {
  const log: string[] = [];
  const world = new World({ seed: 1, horizonMs: 3_600_000 });
  const pipeline = validateGraph({ name: 'held', jobs: [{ name: 'a', dependsOn: [], command: 'a', retries: 0 }] });
  const registry = new SimExecutionRegistry();
  world.spawn('dag-runner', async (env: Env) => {
    const inner = createSimExecutor(env, registry, () => ({ chunks: 1, chunkBytes: 10, everyMs: 1_000, tailMs: 0, exitCode: 0 }));
    const executor: Executor = {
      start(request) {
        const execution = inner.start(request);
        log.push(`start ${request.held === true ? 'held' : 'free'}`);
        return {
          id: execution.id,
          exited: execution.exited,
          kill: (force) => {
            log.push('kill');
            execution.kill(force);
          },
          release: () => {
            log.push('release');
            execution.release?.();
          },
        };
      },
    };
    const sqlite = createSqliteStore(new Database(':memory:'));
    const store: DagStore = {
      ...sqlite,
      async append(entry, fence) {
        const written = refuseExecutionRows && entry.execution !== undefined ? false : await sqlite.append(entry, fence);
        log.push(`row ${entry.status}${entry.execution === undefined ? '' : ' naming the execution'}${written ? '' : ' refused'}`);
        return written;
      },
      async commit(entries, options) {
        const written = await sqlite.commit(entries, options);
        for (const entry of entries) log.push(`row ${entry.status}${written ? '' : ' refused'}`);
        return written;
      },
    };
    const runner = await DagRunner.open({ env, pipeline, executor, store, notifier: { notify: async () => undefined }, commandPollMs: 500 });
    await runner.run().catch(() => undefined);
  });
  await world.run();
  return log;
}

test('a job is released only after the row naming its execution is written', async () => {
  expect(await steps(false)).toEqual(['row running', 'start held', 'row running naming the execution', 'release', 'row succeeded']);
});

test('a job whose row is refused is killed, never released', async () => {
  expect(await steps(true)).toEqual(['row running', 'start held', 'row running naming the execution refused', 'kill']);
});
