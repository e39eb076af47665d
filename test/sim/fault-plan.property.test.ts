/**
 * Properties of fault plans: every plan a seed generates, from any fault space, is a valid plan
 * file. Written as JSON and read back with `parseFaultPlan`, it is the same plan, sorted, with its
 * targets among the space's processes — so a failure's plan always replays from `--plan`.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineFaultKind, generateFaultPlan, KERNEL_FAULT_KINDS, parseFaultPlan, sortPlan, type Fault, type FaultSpace } from '../../src/sim/faults.js';
import { Prng } from '../../src/sim/prng.js';

/** A scenario's own kind, as a scenario declares one: a schema, a generator and an effect. */
const lagKind = defineFaultKind({
  name: 'lag',
  schema: z.object({ at: z.number().int().nonnegative(), kind: z.literal('lag'), file: z.number().int().positive(), ms: z.number().int().positive() }).strict(),
  generate: (prng: Prng, at: number): Fault[] => [{ at, kind: 'lag', file: prng.int(1, 20), ms: prng.int(1, 60_000) }],
  apply: () => undefined,
});
const extraKinds = [lagKind];

const rate = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 6, noNaN: true }));
const space: fc.Arbitrary<FaultSpace> = fc.record(
  {
    targets: fc.uniqueArray(fc.constantFrom('worker-1', 'worker-2', 'worker-3', 'provider', 'dag-runner'), { maxLength: 5 }),
    windowMs: fc.integer({ min: 0, max: 10 * 3_600_000 }),
    rates: fc.record(Object.fromEntries([...KERNEL_FAULT_KINDS.map((kind) => kind.name), 'lag'].map((kind) => [kind, rate])), { requiredKeys: [] }),
    pauseMsMax: fc.integer({ min: 1, max: 600_000 }),
    skewMsMax: fc.integer({ min: 0, max: 3_600_000 }),
    driftPpmMax: fc.integer({ min: 0, max: 100_000 }),
    restartAfterMsMax: fc.integer({ min: 0, max: 600_000 }),
    fsSlowMsMax: fc.integer({ min: 1, max: 5_000 }),
    fsSlowDurationMsMax: fc.integer({ min: 1, max: 600_000 }),
  },
  { requiredKeys: ['targets', 'windowMs', 'rates'] },
);

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** The plan as a plan file holds it: JSON text, read back. */
const throughJson = (plan: readonly Fault[]): unknown => JSON.parse(JSON.stringify(plan));

describe('parseFaultPlan(generateFaultPlan(...)) (property)', () => {
  test('a generated plan read back from JSON is the same plan', () => {
    fc.assert(
      fc.property(space, seed, (faultSpace, drawnSeed) => {
        const plan = generateFaultPlan(faultSpace, Prng.root(drawnSeed).fork('faults'), extraKinds);
        expect(parseFaultPlan(throughJson(plan), extraKinds, faultSpace.targets)).toEqual(plan);
        // The plan-file form with a "faults" list reads the same.
        expect(parseFaultPlan({ faults: throughJson(plan) }, extraKinds, faultSpace.targets)).toEqual(plan);
      }),
    );
  });

  test('a generated plan is sorted, inside its window (a restart may follow its crash past it), and aims only at known processes', () => {
    fc.assert(
      fc.property(space, seed, (faultSpace, drawnSeed) => {
        const plan = generateFaultPlan(faultSpace, Prng.root(drawnSeed).fork('faults'), extraKinds);
        expect(sortPlan(plan)).toEqual(plan);
        for (const fault of plan) {
          if (fault.target !== undefined) expect(faultSpace.targets).toContain(fault.target);
          if (fault.kind !== 'restart') expect(fault.at).toBeLessThan(Math.max(1, faultSpace.windowMs));
        }
      }),
    );
  });

  test('the same seed and space give the same plan', () => {
    fc.assert(
      fc.property(space, seed, (faultSpace, drawnSeed) => {
        expect(generateFaultPlan(faultSpace, Prng.root(drawnSeed).fork('faults'), extraKinds)).toEqual(generateFaultPlan(faultSpace, Prng.root(drawnSeed).fork('faults'), extraKinds));
      }),
    );
  });
});
