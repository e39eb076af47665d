/**
 * cron-leader with the user's own server: the part is declared and typed (`CronServerMain`), and the
 * scenario's checkers judge whatever server it is given.
 */
import { describe, expect, test } from 'vitest';
import cronLeader, { type CronServerMain } from '../../scenarios/cron-leader.js';
import { cron, runScenario } from '../../src/index.js';

describe('cron-leader with a user server', () => {
  test('a server that keeps the protocol passes', async () => {
    // The team's server: the reference one, logging its start its own way.
    const ours: CronServerMain = (env, lock, options) => (env.log('our-server.start', { name: options.name }), cron.runCronServer(env, lock, options));
    const result = await runScenario(cronLeader, { seed: 1, params: { server: ours, hours: 1, servers: 3 } });
    expect(result.status, result.violations[0]?.message).toBe('passed');
  });

  test('a server that runs every tick without asking the lock is caught running a tick twice', async () => {
    const lockless: CronServerMain = async (env, _lock, options) => {
      for (let tick = options.schedule.nextAfter(env.now()); ; tick = options.schedule.nextAfter(tick)) {
        await env.sleep(Math.max(0, tick - env.now()));
        cron.emitCron(env, { kind: 'cron.run.start', data: { name: options.name, tick, token: 0 } });
        await options.task({ name: options.name, tick, token: 0 }, new AbortController().signal);
        cron.emitCron(env, { kind: 'cron.run.end', data: { name: options.name, tick, outcome: 'done' } });
      }
    };
    const result = await runScenario(cronLeader, { seed: 1, params: { server: lockless, hours: 1, servers: 3 } });
    expect(result.status).toBe('violated');
    expect(result.violations.map((violation) => violation.invariant)).toContain('tick-at-most-once');
  });
});
