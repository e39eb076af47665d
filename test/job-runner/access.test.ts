/**
 * Who may see and stop a job, in simulation: `CallerView` over the shipped runner refuses another
 * user's job as unknown and lets an admin act on every job; `authorised-access` is fed histories
 * that break the rule and one that keeps it.
 */
import { describe, expect, test } from 'vitest';
import { checkAuthorisedAccess } from '../../src/check/job-runner/index.js';
import type { Env } from '../../src/env/env.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { World } from '../../src/sim/world.js';
import { CallerView } from '../../src/systems/job-runner/access.js';
import { JobRunner, UnknownJob } from '../../src/systems/job-runner/job-runner.js';
import { jobRunnerFlawsOf } from '../../src/systems/job-runner/mutants.js';
import { createSimExecutor, SimExecutionRegistry } from '../../src/systems/job-runner/sim-executor.js';

const BEHAVIOUR = { chunks: 1, chunkBytes: 20, everyMs: 1_000, tailMs: 0, exitCode: 0 };

/** Runs `body` on a fresh world's process; returns the trace. */
async function inWorld(body: (env: Env) => Promise<void>): Promise<readonly TraceEvent[]> {
  const world = new World({ seed: 1, horizonMs: 60_000 });
  world.spawn('server', body);
  await world.run();
  return world.trace.events;
}

describe('CallerView', () => {
  test("a user sees and stops only its own jobs; another's is unknown to it; an admin acts on all", async () => {
    const seen: string[] = [];
    const trace = await inWorld(async (env) => {
      const runner = new JobRunner({ env, executor: createSimExecutor(env, new SimExecutionRegistry(), () => BEHAVIOUR), concurrencyLimit: 4 });
      const alice = new CallerView(runner, { name: 'alice', admin: false }, env);
      const bob = new CallerView(runner, { name: 'bob', admin: false }, env);
      const ops = new CallerView(runner, { name: 'ops', admin: true }, env);
      const mine = alice.start('a');
      const theirs = bob.start('b');
      seen.push(alice.list().map((job) => job.id).join(','), ops.list().length.toString());
      expect(() => alice.stop(theirs)).toThrow(UnknownJob);
      expect(() => alice.status(theirs)).toThrow(UnknownJob);
      expect(alice.status(mine).owner).toBe('alice');
      expect(ops.stop(theirs).state).toBe('stopped');
      await env.sleep(5_000);
    });
    expect(seen[0]).not.toContain(',');
    expect(seen[1]).toBe('2');
    expect(checkAuthorisedAccess({ trace, admins: ['ops'] })).toEqual([]);
  });

  test('with any-user-stops-any-job, bob stops alice\'s job and the invariant says so', async () => {
    const trace = await inWorld(async (env) => {
      const runner = new JobRunner({ env, executor: createSimExecutor(env, new SimExecutionRegistry(), () => BEHAVIOUR), concurrencyLimit: 4, flaws: jobRunnerFlawsOf('any-user-stops-any-job') });
      const id = new CallerView(runner, { name: 'alice', admin: false }, env).start('a');
      new CallerView(runner, { name: 'bob', admin: false }, env).stop(id);
      await env.sleep(5_000);
    });
    expect(checkAuthorisedAccess({ trace, admins: ['ops'] }).map((violation) => violation.message)).toEqual([expect.stringMatching(/^bob, not an admin, was let stop alice's job /)]);
  });
});

describe('authorised-access', () => {
  function event(seq: number, kind: string, data: Record<string, unknown>): TraceEvent {
    return { seq, t: seq * 10, pid: 'server#1', kind, data };
  }

  test('a refused admin, a refused owner and a list showing another user\'s job are violations', () => {
    const trace = [
      event(0, 'job.queued', { job: 'j1', command: 'x', owner: 'alice' }),
      event(1, 'job.access', { caller: 'ops', action: 'stop', job: 'j1', granted: false }),
      event(2, 'job.access', { caller: 'alice', action: 'output', job: 'j1', granted: false }),
      event(3, 'job.listed', { caller: 'bob', jobs: ['j1'] }),
      event(4, 'job.access', { caller: 'bob', action: 'status', job: 'j1', granted: true }),
    ];
    expect(checkAuthorisedAccess({ trace, admins: ['ops'] }).map((violation) => violation.message)).toEqual([
      "ops (an admin) was refused the stop of alice's job j1",
      "alice was refused the output of alice's job j1",
      "bob, not an admin, was shown 1 job(s) of other users (alice's job j1)",
      "bob, not an admin, was let read the status of alice's job j1",
    ]);
  });

  test('owners and admins granted, others refused, is right', () => {
    const trace = [
      event(0, 'job.queued', { job: 'j1', command: 'x', owner: 'alice' }),
      event(1, 'job.access', { caller: 'alice', action: 'stop', job: 'j1', granted: true }),
      event(2, 'job.access', { caller: 'ops', action: 'output', job: 'j1', granted: true }),
      event(3, 'job.access', { caller: 'bob', action: 'stop', job: 'j1', granted: false }),
      event(4, 'job.listed', { caller: 'ops', jobs: ['j1'] }),
      event(5, 'job.listed', { caller: 'bob', jobs: [] }),
    ];
    expect(checkAuthorisedAccess({ trace, admins: ['ops'] })).toEqual([]);
  });
});
