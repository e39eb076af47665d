/**
 * Named harness failures. A run that ends with one of these is neither passed nor violated: the
 * simulation itself could not finish (exit code 3), and the message says why.
 */
import { HarnessError } from '../env/errors.js';

export { HarnessError };

/** More events fired than the run's budget allows. */
export class EventBudgetExceeded extends HarnessError {
  override readonly name = 'EventBudgetExceeded';
  constructor(readonly budget: number, readonly atMs: number) {
    super(`event budget exceeded: more than ${budget} events fired (virtual time ${atMs})`);
  }
}

/** Events keep firing but virtual time does not move: a zero-delay loop. */
export class NoProgress extends HarnessError {
  override readonly name = 'NoProgress';
  constructor(readonly events: number, readonly atMs: number, readonly culprit: string) {
    super(`no progress: ${events} events fired at virtual time ${atMs} without time moving (last: ${culprit})`);
  }
}

/** The run took longer in real time than allowed. */
export class WallClockExceeded extends HarnessError {
  override readonly name = 'WallClockExceeded';
  constructor(readonly limitMs: number, readonly atMs: number) {
    super(`wall-clock limit exceeded: the simulation ran for more than ${limitMs} ms of real time (virtual time ${atMs})`);
  }
}
