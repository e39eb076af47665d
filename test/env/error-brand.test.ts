/**
 * The error families are recognised across copies of simrun: a scenario file evaluated with its own
 * copy of the modules throws an `InputError` that is another class object than the CLI's, and it
 * must still be an input error (exit 2), not an internal one (exit 3).
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { failureKind } from '../../src/cli/base.js';
import { errorFamily, HarnessError, InputError } from '../../src/env/errors.js';
import { PlanError } from '../../src/sim/faults.js';
import { hasStackTrace, ROOT, simrun } from '../cli/helpers.js';

type ErrorsModule = typeof import('../../src/env/errors.js');

const scratch = mkdtempSync(join(tmpdir(), 'simrun-error-brand-'));

/** The compiled errors module loaded again from its own path: a second, separate module instance. */
async function copyOfErrorsModule(name: string): Promise<ErrorsModule> {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  // A package.json marks the copy as an ES module, as dist/ is.
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'dist/src/env/errors.js'), join(dir, 'errors.js'));
  return (await import(pathToFileURL(join(dir, 'errors.js')).href)) as ErrorsModule;
}

describe('error families across copies of simrun', () => {
  test("another copy's classes are other objects, yet each copy recognises the other's errors by family", async () => {
    const [first, second] = await Promise.all([copyOfErrorsModule('first'), copyOfErrorsModule('second')]);
    expect(first.InputError).not.toBe(InputError);
    expect(first.InputError).not.toBe(second.InputError);

    const input = new first.InputError('bad inventory');
    const harness = new second.HarnessError('world stopped');
    expect(input).toBeInstanceOf(InputError);
    expect(input).toBeInstanceOf(second.InputError);
    expect(input).not.toBeInstanceOf(HarnessError);
    expect(harness).toBeInstanceOf(HarnessError);
    expect(harness).toBeInstanceOf(first.HarnessError);
    expect(harness).not.toBeInstanceOf(InputError);
    expect(errorFamily(input)).toBe('input');
    expect(errorFamily(harness)).toBe('harness');
    expect(failureKind(input)).toBe('input');
    expect(failureKind(harness)).toBe('harness');
    // And the other way round: the copy's errorFamily knows this copy's errors.
    expect(first.errorFamily(new PlanError('fault 0: bad'))).toBe('input');
    expect(second.errorFamily(new HarnessError('x'))).toBe('harness');
  });

  test("a subclass of another copy's InputError is an input error, but only its own class is that subclass", async () => {
    const copy = await copyOfErrorsModule('subclass');
    class CopiedPlanError extends copy.InputError {}
    const error = new CopiedPlanError('fault 1: unknown kind');
    expect(error).toBeInstanceOf(InputError);
    expect(error).not.toBeInstanceOf(PlanError);
    expect(new PlanError('x')).not.toBeInstanceOf(CopiedPlanError);
  });

  test('the brand, not the name, is what counts: a plain Error named InputError is still not one', () => {
    const impostor = Object.assign(new Error('looks like input'), { name: 'InputError' });
    expect(impostor).not.toBeInstanceOf(InputError);
    expect(errorFamily(impostor)).toBeUndefined();
    expect(null instanceof InputError).toBe(false);
    expect((42 as unknown) instanceof HarnessError).toBe(false);
  });

  test("the CLI: an InputError from a scenario file's own copy exits 2, a HarnessError exits 3", () => {
    const fixture = 'test/fixtures/own-copy-error-scenario.ts';
    const input = simrun(['scenario', fixture, '--seed', '1', '--out-dir', scratch]);
    expect(input.status).toBe(2);
    expect(input.stderr.trim()).toBe('simrun: own-copy-error: the inventory file names no machines');
    expect(hasStackTrace(input.stderr)).toBe(false);
    const harness = simrun(['scenario', fixture, '--seed', '1', '--set', 'fail=harness', '--out-dir', scratch]);
    expect(harness.status).toBe(3);
    expect(harness.stdout).toContain('HarnessError: own-copy-error: the world could not be built');
  });
});
