/**
 * The two error families: every input error of every layer is an `InputError`, every harness
 * failure a `HarnessError`, recognised by class (not by name) in the CLI and across worker threads.
 */
import { describe, expect, test } from 'vitest';
import { failureKind, usageLine } from '../../src/cli/base.js';
import { deserializeError, errorFamily, HarnessError, InputError, serializeError } from '../../src/env/errors.js';
import { LockConfigError, LockLostError, LockTimeoutError, LockUnavailableError } from '../../src/locks/errors.js';
import { CronScheduleError } from '../../src/systems/cron/schedule.js';
import { PipelineError } from '../../src/systems/dag/pipeline-error.js';
import { EventBudgetExceeded, NoProgress, WallClockExceeded } from '../../src/sim/errors.js';
import { PlanError } from '../../src/sim/faults.js';
import { InputError as InputErrorFromRun } from '../../src/scenario/run.js';

describe('error families', () => {
  test.each([
    ['PlanError', new PlanError('fault 0: bad')],
    ['LockConfigError', new LockConfigError('spec', 'unknown lock spec')],
    ['LockUnavailableError', new LockUnavailableError('sqlite', 'cannot open')],
    ['PipelineError', new PipelineError('etl.yaml:3: cycle', 'load', 3)],
    ['CronScheduleError', new CronScheduleError('bad expression')],
    ['InputError', new InputError('bad seed')],
  ])('%s is an InputError, keeps its own name, and the CLI calls it input', (name, error) => {
    expect(error).toBeInstanceOf(InputError);
    expect(error).not.toBeInstanceOf(HarnessError);
    expect(error.name).toBe(name);
    expect(errorFamily(error)).toBe('input');
    expect(failureKind(error)).toBe('input');
  });

  test.each([
    ['EventBudgetExceeded', new EventBudgetExceeded(10, 5)],
    ['NoProgress', new NoProgress(10, 5, 'worker-1')],
    ['WallClockExceeded', new WallClockExceeded(10, 5)],
    ['HarnessError', new HarnessError('the world stopped')],
  ])('%s is a HarnessError even though its name field says otherwise', (name, error) => {
    expect(error).toBeInstanceOf(HarnessError);
    expect(error.name).toBe(name);
    expect(failureKind(error)).toBe('harness');
  });

  test('a lock failure at work is neither family: the CLI calls it internal', () => {
    expect(failureKind(new LockTimeoutError('file', 'k', 'w', 100))).toBe('internal');
    expect(failureKind(new LockLostError('file', 'k', 3, 'expired'))).toBe('internal');
    expect(failureKind(new Error('boom'))).toBe('internal');
  });

  test('a plain Error named like an input error is not one: recognition is by class', () => {
    const impostor = Object.assign(new Error('looks like input'), { name: 'InputError' });
    expect(failureKind(impostor)).toBe('internal');
  });

  test("oclif's usage errors (exit 2) are input", () => {
    expect(failureKind(Object.assign(new Error('Nonexistent flag: --bogus'), { oclif: { exit: 2 } }))).toBe('input');
  });

  test('the InputError the scenario runner exports is the same class', () => {
    expect(InputErrorFromRun).toBe(InputError);
  });

  test('an error crossing a worker thread keeps its family and its name', () => {
    for (const error of [new PlanError('bad plan'), new NoProgress(1, 2, 'x'), new TypeError('a bug')]) {
      const revived = deserializeError(structuredClone(serializeError(error)));
      expect(revived.name).toBe(error.name);
      expect(revived.message).toBe(error.message);
      expect(errorFamily(revived)).toBe(errorFamily(error));
    }
  });

  test("oclif's usage messages become one line with the command's help hint", () => {
    expect(usageLine('Parsing --runs \n\tExpected an integer greater than or equal to 1 but received: 0\nSee more help with --help', 'fuzz')).toBe(
      'Parsing --runs: Expected an integer greater than or equal to 1 but received: 0 (simrun fuzz --help lists the flags)',
    );
    expect(usageLine('The following error occurred:\n  Missing required flag client\nSee more help with --help', 'jobs:client')).toBe(
      'Missing required flag client (simrun jobs client --help lists the flags)',
    );
    const missingArg = [
      'Missing 1 required arg:',
      'scenario  a built-in scenario name (see `simrun list`) or the path of a',
      '          scenario file',
      '',
      'Note: --set allows multiple values. Because of this you need to provide all arguments before providing that flag.',
      'See more help with --help',
    ].join('\n');
    expect(usageLine(missingArg, 'scenario')).toBe(
      'Missing 1 required arg: scenario (a built-in scenario name (see `simrun list`) or the path of a scenario file) (simrun scenario --help lists the flags)',
    );
  });
});
