import { describe, expect, test } from 'vitest';
import { checkGracefulStops } from '../../src/check/graceful-stops.js';
import { applyFaultPlan, parseFaultPlan } from '../../src/sim/faults.js';
import { World } from '../../src/sim/world.js';

/** A server that registers its stop handler at `registerAtMs` (0: in its first step), then serves until stopped. */
function spawnServer(world: World, registerAtMs: number, done: string[]): void {
  world.spawn('server', async (env) => {
    let listen = (): void => undefined;
    const stopped = new Promise<void>((resolve) => (listen = () => void env.onStop?.(resolve)));
    if (registerAtMs === 0) listen();
    else {
      await env.sleep(registerAtMs);
      listen();
    }
    env.log('serving');
    await stopped;
    await env.sleep(10); // winding down takes a while
    done.push(env.id);
  });
}

const kindsOf = (world: World): string[] => world.trace.events.filter((event) => event.pid !== 'world').map((event) => event.kind);

describe('a graceful stop (SIGTERM) in the simulated kernel', () => {
  test('runs the handler a process registered, which then winds down and exits', async () => {
    const world = new World({ seed: 1 });
    const done: string[] = [];
    spawnServer(world, 0, done);
    world.at(1_000, () => world.stop('server'));
    await world.run();
    expect(done).toEqual(['server#1']);
    expect(kindsOf(world)).toEqual(['process.start', 'serving', 'process.signal', 'process.exit']);
    expect(world.trace.events.find((event) => event.kind === 'process.signal')?.data).toEqual({ signal: 'SIGTERM', handled: true });
    expect(checkGracefulStops(world.trace.events)).toEqual([]);
  });

  test('kills a running process that has not registered a handler yet, as the default disposition does', async () => {
    const world = new World({ seed: 1 });
    const done: string[] = [];
    spawnServer(world, 2_000, done);
    world.at(1_000, () => world.stop('server'));
    await world.run();
    expect(done).toEqual([]);
    expect(kindsOf(world)).toEqual(['process.start', 'process.signal', 'process.crash']);
    expect(world.trace.events.find((event) => event.kind === 'process.crash')?.data).toEqual({ signal: 'SIGTERM' });
    const violations = checkGracefulStops(world.trace.events);
    expect(violations.map((violation) => [violation.invariant, violation.pid, violation.atMs])).toEqual([['graceful-stops', 'server#1', world.epochMs + 1_000]]);
  });

  test('a stop before the process ran any code kills it too, but is not held against it', async () => {
    const world = new World({ seed: 1 });
    const done: string[] = [];
    world.at(0, () => spawnServer(world, 0, done));
    world.at(0, () => world.stop('server'));
    await world.run();
    expect(done).toEqual([]);
    expect(world.trace.events.find((event) => event.kind === 'process.signal')?.data).toEqual({ signal: 'SIGTERM', handled: false, beforeStart: true });
    expect(checkGracefulStops(world.trace.events)).toEqual([]);
  });

  test('a paused process handles the stop when it wakes', async () => {
    const world = new World({ seed: 1 });
    const done: string[] = [];
    spawnServer(world, 0, done);
    world.at(1_000, () => world.pause('server', 5_000));
    world.at(2_000, () => world.stop('server'));
    await world.run();
    expect(done).toEqual(['server#1']);
    const exit = world.trace.events.find((event) => event.kind === 'process.exit');
    expect((exit?.t ?? 0) - world.epochMs).toBe(6_010);
  });

  test('a removed handler no longer catches the stop', async () => {
    const world = new World({ seed: 1 });
    world.spawn('server', async (env) => {
      const remove = env.onStop?.(() => undefined);
      remove?.();
      await env.sleep(5_000);
    });
    world.at(1_000, () => world.stop('server'));
    await world.run();
    expect(kindsOf(world)).toEqual(['process.start', 'process.signal', 'process.crash']);
  });

  test('`term` is a plan fault kind that may bring the restart a supervisor does', async () => {
    const plan = parseFaultPlan([{ at: 1_000, kind: 'term', target: 'server' }, { at: 1_500, kind: 'restart', target: 'server' }]);
    const world = new World({ seed: 1 });
    const done: string[] = [];
    spawnServer(world, 0, done);
    applyFaultPlan(world, plan);
    world.at(3_000, () => world.stop('server'));
    await world.run();
    expect(done).toEqual(['server#1', 'server#2']);
    expect(() => parseFaultPlan([{ at: 1, kind: 'term' }])).toThrow(/fault 0 \(term\): field 'target'/);
  });
});
