/**
 * The real clock's offset: set at start by SIMRUN_CLOCK_OFFSET_MS, changed while running through the
 * file SIMRUN_CLOCK_OFFSET_FILE names; and the nemesis plan's `clock` and store kinds.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clockOffsetFromEnv, realEnv } from '../../src/env/real-env.js';
import { describeRealFault, drawRealPlan, parseRealPlan, type RealFaultSpace } from '../../src/real/campaign/plan.js';
import { PlanError } from '../../src/sim/faults.js';

describe('the real clock offset', () => {
  it('starts from the variable, follows the file while it holds a number, and keeps the last one otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simrun-clock-'));
    try {
      const file = join(dir, 'client-1.offset');
      const offset = clockOffsetFromEnv({ SIMRUN_CLOCK_OFFSET_MS: '-1500', SIMRUN_CLOCK_OFFSET_FILE: file });
      expect(offset()).toBe(-1500);
      await writeFile(file, '800\n');
      expect(offset()).toBe(800);
      await writeFile(file, 'not a number');
      expect(offset()).toBe(800);
      await rm(file);
      expect(offset()).toBe(800);
      expect(clockOffsetFromEnv({})()).toBe(0);
      const env = realEnv('client-1#1', { clockOffset: () => 60_000, logLine: () => undefined });
      const before = Date.now();
      expect(env.now() - before).toBeGreaterThanOrEqual(60_000);
      expect(env.now() - before).toBeLessThan(70_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the real plan: clock and store faults', () => {
  const space: RealFaultSpace = {
    targets: ['client-1', 'client-2'],
    windowMs: 3_000,
    rates: { clock: 2, 'sqlite-busy': 1 },
    pauseMsMin: 100,
    pauseMsMax: 200,
    restartAfterMsMin: 100,
    restartAfterMsMax: 200,
    clockOffsetMsMax: 500,
    busyMsMin: 100,
    busyMsMax: 900,
  };

  it('draws clock offsets within the bound and store faults without a target', () => {
    const plan = drawRealPlan(5, space);
    expect(plan.filter((fault) => fault.kind === 'clock')).toHaveLength(2);
    for (const fault of plan) {
      if (fault.kind === 'clock') expect(Math.abs(fault.offsetMs)).toBeLessThanOrEqual(500);
      if (fault.kind === 'sqlite-busy') {
        expect(fault.target).toBeUndefined();
        expect(describeRealFault(fault)).toMatch(/^sqlite-busy \d+ms @\d+ms$/);
      }
    }
  });

  it('parses the new kinds and refuses a store fault with a target', () => {
    const plan = parseRealPlan(
      [
        { at: 10, kind: 'clock', target: 'client-1', offsetMs: -400 },
        { at: 5, kind: 'pg-terminate' },
        { at: 7, kind: 'sqlite-busy', ms: 300 },
      ],
      space.targets,
    );
    expect(plan.map(describeRealFault)).toEqual(['pg-terminate @5ms', 'sqlite-busy 300ms @7ms', 'clock client-1 -400ms @10ms']);
    expect(() => parseRealPlan([{ at: 1, kind: 'pg-terminate', target: 'client-1' }], space.targets)).toThrow(PlanError);
    expect(() => parseRealPlan([{ at: 1, kind: 'clock', target: 'client-1' }], space.targets)).toThrow(/field 'offsetMs'/);
  });
});
