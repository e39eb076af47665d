/**
 * The scenario frame: setup's state reaches the scenario's fault kinds, its invariants and its
 * teardown, and a history derived from the trace is built once per run.
 */
import { expect, test } from 'vitest';
import { z } from 'zod';
import { feed, type Checker } from '../../src/check/checker.js';
import { runScenario } from '../../src/scenario/run.js';
import { defineScenario, type CheckContext } from '../../src/scenario/scenario.js';
import { defineFaultKind } from '../../src/sim/faults.js';

interface State {
  readonly bumps: number[];
  closed: boolean;
}
type Params = { ticks: number };

const builds: number[] = [];
/** A "history": the tick events, counted each time it is built. */
const ticksOf = (context: CheckContext<Params, State>): number => {
  builds.push(1);
  return context.trace.filter((event) => event.kind === 'tick').length;
};

const atLeast: Checker<{ readonly ticks: number; readonly bumps: readonly number[] }> = {
  name: 'bumped-every-tick',
  description: 'every bump fault struck between two ticks',
  check: ({ ticks, bumps }) => (bumps.length <= ticks ? [] : [{ invariant: 'bumped-every-tick', message: `${bumps.length} bumps for ${ticks} ticks` }]),
};
const inputs = (context: CheckContext<Params, State>): { ticks: number; bumps: readonly number[] } => ({ ticks: context.derive(ticksOf), bumps: context.state.bumps });

let tornDown: State | undefined;
const scenario = defineScenario<Params, State>({
  name: 'stateful',
  summary: 'a worker ticks; a bump fault writes into the run state',
  params: z.object({ ticks: z.number().int().positive().default(5) }).strict(),
  horizonMs: () => 10_000,
  faultSpace: () => ({ targets: ['w'], windowMs: 4_000, rates: { bump: 3 } }),
  faultKinds: [
    defineFaultKind<State, Params>({
      name: 'bump',
      schema: z.object({ at: z.number(), kind: z.literal('bump') }).strict(),
      generate: (_prng, at) => [{ at, kind: 'bump' }],
      apply: (world, _fault, state) => void state.bumps.push(world.elapsed()),
    }),
  ],
  setup(world, p) {
    world.spawn('w', async (env) => {
      for (let tick = 0; tick < p.ticks; tick++) {
        await env.sleep(1_000);
        env.log('tick');
      }
    });
    return { bumps: [], closed: false };
  },
  invariants: [feed(atLeast, inputs), feed({ ...atLeast, name: 'again' }, inputs)],
  teardown(_world, state) {
    state.closed = true;
    tornDown = state;
  },
});

test('setup state reaches fault kinds, invariants and teardown; a derived history is built once per run', async () => {
  builds.length = 0;
  const result = await runScenario(scenario, { seed: 7 });
  expect(result.status).toBe('passed');
  expect(result.plan.map((fault) => fault.kind)).toEqual(['bump', 'bump', 'bump']);
  expect(tornDown?.bumps).toHaveLength(3);
  expect(tornDown?.closed).toBe(true);
  expect(builds).toHaveLength(1);
  expect(result.invariants.map((invariant) => invariant.name)).toEqual(['bumped-every-tick', 'again', 'no-uncaught-errors', 'graceful-stops']);
});
