import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { applyFaultPlan, defineFaultKind, generateFaultPlan, parseFaultPlan, PlanError } from '../../src/sim/faults.js';
import { PendingStalls, stall } from '../../src/sim/fault-kinds/stall.js';
import { slowCalls } from '../../src/sim/fault-kinds/slow-calls.js';
import { Prng } from '../../src/sim/prng.js';
import { World } from '../../src/sim/world.js';

describe('parsing a fault plan', () => {
  test('a valid plan comes back sorted by time', () => {
    const plan = parseFaultPlan([
      { at: 5000, kind: 'restart', target: 'w1' },
      { at: 1000, kind: 'crash', target: 'w1' },
      { at: 2000, kind: 'pause', target: 'w2', ms: 300 },
      { at: 3000, kind: 'fs-error', code: 'EIO', op: 'rename' },
    ]);
    expect(plan.map((fault) => fault.kind)).toEqual(['crash', 'pause', 'fs-error', 'restart']);
  });

  test.each([
    [{ faults: 'x' }, 'a fault plan must be a JSON list of faults'],
    [[{ at: 10, kind: 'pause', target: 'w1' }], "fault 0 (pause): field 'ms': required: a duration in ms"],
    [[{ at: 10, kind: 'crash', target: 'w1' }, { at: -5, kind: 'crash', target: 'w1' }], "fault 1 (crash): field 'at': expected ms >= 0"],
    [[{ at: 10, kind: 'explode', target: 'w1' }], "fault 0: field 'kind': unknown kind 'explode'"],
    [[{ at: 10, kind: 'crash', target: 'w1', color: 'red' }], "fault 0 (crash): field 'color': unknown field"],
    [[{ at: 10, kind: 'fs-error', code: 'EPERM' }], "fault 0 (fs-error): field 'code'"],
    [[42], 'fault 0: expected an object'],
  ])('a malformed plan names the entry and the field: %j', (input, message) => {
    expect(() => parseFaultPlan(input)).toThrow(PlanError);
    expect(() => parseFaultPlan(input)).toThrow(message);
  });

  test('an fs-error may name any operation of the simulated volume, descriptor-level ones included', () => {
    for (const op of ['fsync', 'write', 'open', 'copyFile', 'truncate', 'mkdtemp', 'chmod', 'symlink', 'readlink', 'opendir']) {
      expect(parseFaultPlan([{ at: 0, kind: 'fs-error', code: 'EIO', op }])[0]).toMatchObject({ op });
    }
    expect(() => parseFaultPlan([{ at: 0, kind: 'fs-error', code: 'EIO', op: 'chown' }])).toThrow("fault 0 (fs-error): field 'op'");
  });

  test('a target that is not one of the scenario processes is refused', () => {
    expect(() => parseFaultPlan([{ at: 0, kind: 'crash', target: 'ghost' }], [], ['w1', 'w2'])).toThrow("field 'target': unknown process 'ghost' (known: w1, w2)");
  });

  test('scenario fault kinds validate with their own schema', () => {
    const kinds = [defineFaultKind({ name: 'lag', schema: z.object({ at: z.number(), kind: z.literal('lag'), file: z.number().int() }).strict(), generate: () => [], apply: () => undefined })];
    expect(parseFaultPlan([{ at: 0, kind: 'lag', file: 3 }], kinds)).toHaveLength(1);
    expect(() => parseFaultPlan([{ at: 0, kind: 'lag', file: 'x' }], kinds)).toThrow("fault 0 (lag): field 'file'");
  });
});

describe('generating a plan from rates', () => {
  const space = { targets: ['w1', 'w2'], windowMs: 3_600_000, rates: { crash: 2, pause: 1.5, skew: 1 }, restartAfterMsMax: 60_000 };

  test('the same seed generates the same plan, and crashes come with restarts', () => {
    const first = generateFaultPlan(space, Prng.root(11).fork('faults'));
    const second = generateFaultPlan(space, Prng.root(11).fork('faults'));
    expect(second).toEqual(first);
    expect(first.filter((fault) => fault.kind === 'crash')).toHaveLength(2);
    expect(first.filter((fault) => fault.kind === 'restart')).toHaveLength(2);
    for (const fault of first) expect(parseFaultPlan([fault], [], space.targets)).toEqual([fault]);
  });

  test('turning one kind off does not move the faults of another', () => {
    const all = generateFaultPlan(space, Prng.root(3).fork('faults'));
    const noSkew = generateFaultPlan({ ...space, rates: { crash: 2, pause: 1.5 } }, Prng.root(3).fork('faults'));
    expect(noSkew).toEqual(all.filter((fault) => fault.kind !== 'skew'));
  });
});

test('an applied plan is recorded in the trace and takes effect at its time', async () => {
  const world = new World({ seed: 1 });
  const wakes: number[] = [];
  world.spawn('w1', async (env) => {
    for (;;) {
      await env.sleep(1000);
      wakes.push(world.elapsed());
      if (wakes.length >= 5) return;
    }
  });
  applyFaultPlan(world, parseFaultPlan([{ at: 2500, kind: 'crash', target: 'w1' }]));
  await world.run();
  expect(wakes).toEqual([1000, 2000]);
  expect(world.trace.events.some((event) => event.kind === 'fault.crash' && event.t === world.epochMs + 2500)).toBe(true);
});

describe('the shared fault kinds', () => {
  test('a stall freezes its target at its next landing point, once', async () => {
    const world = new World({ seed: 1 });
    const state = { stalls: new PendingStalls() };
    const landings: number[] = [];
    world.spawn('w1', async (env) => {
      for (let call = 0; call < 3; call++) {
        await env.sleep(1000);
        await state.stalls.land(world, env);
        landings.push(world.elapsed());
      }
    });
    applyFaultPlan(world, parseFaultPlan([{ at: 500, kind: 'stall', target: 'w1', ms: 700 }], [stall((s: typeof state) => s.stalls)]), [stall((s: typeof state) => s.stalls)], () => state);
    await world.run();
    expect(landings).toEqual([1700, 2700, 3700]);
  });

  test('slowed calls raise the latency for the episode, then put it back; a scenario may name the kind', async () => {
    const world = new World({ seed: 1 });
    const state = { latency: { maxMs: 20 } };
    const kinds = [slowCalls((s: typeof state) => s.latency, { name: 'db-slow' })];
    const seen: number[] = [];
    world.spawn('w1', async (env) => {
      for (let step = 0; step < 4; step++) {
        seen.push(state.latency.maxMs);
        await env.sleep(1000);
      }
    });
    applyFaultPlan(world, parseFaultPlan([{ at: 500, kind: 'db-slow', ms: 900, durationMs: 2000 }], kinds), kinds, () => state);
    await world.run();
    expect(seen).toEqual([20, 900, 900, 20]);
    expect(() => parseFaultPlan([{ at: 0, kind: 'slow-calls', ms: 1, durationMs: 1 }], kinds)).toThrow("unknown kind 'slow-calls'");
  });

  test('a stall is drawn like a pause: a target and up to pauseMsMax', () => {
    const kinds = [stall((s: { stalls: PendingStalls }) => s.stalls)];
    const plan = generateFaultPlan({ targets: ['w1'], windowMs: 10_000, rates: { stall: 5 }, pauseMsMax: 300 }, Prng.root(2).fork('faults'), kinds);
    expect(plan).toHaveLength(5);
    for (const fault of plan) expect(fault).toMatchObject({ kind: 'stall', target: 'w1', ms: expect.any(Number) });
    expect(Math.max(...plan.map((fault) => fault.ms as number))).toBeLessThanOrEqual(300);
  });
});
