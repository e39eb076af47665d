/**
 * `node:timers` and `node:timers/promises` for a module tree `load()` gives a simulated process.
 *
 * Node's `timers` module holds its own references to the real timer functions, so replacing the
 * globals (per-process globals) does not reach `require('timers').setTimeout`. The facade's
 * `timers` calls whatever the globals are when it is called: the process's timers while per-process
 * globals are on, Node's otherwise, exactly as a bare `setTimeout` in the same module. Its
 * `timers/promises` sleeps the process's own sleep (`sleep`, an `Env`'s), with or without them: a
 * pause defers it, a crash drops it, an abort signal rejects it with Node's `AbortError`.
 */
import realTimersPromises from 'node:timers/promises';

/** What the promise timers wait on: a process's sleep (an `Env` is one). */
export interface Sleeper {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

interface TimerOptions {
  readonly signal?: AbortSignal;
  readonly ref?: boolean;
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason as unknown }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Node's rule for a timer's delay: not a number, or under 1, is 1 ms. */
function delayOf(ms: unknown): number {
  const delay = Number(ms);
  return Number.isFinite(delay) && delay >= 1 ? delay : 1;
}

/** Whether `signal` has aborted (a function: its state changes while a sleep waits). */
function aborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

async function sleepFor(sleeper: Sleeper, ms: number, options: TimerOptions | undefined): Promise<void> {
  const signal = options?.signal;
  if (aborted(signal)) throw abortError(signal);
  try {
    await sleeper.sleep(ms, signal);
  } catch (error) {
    if (aborted(signal)) throw abortError(signal);
    throw error;
  }
}

/** `node:timers/promises` over `sleeper`. */
export function timersPromisesFacade(sleeper: Sleeper): typeof realTimersPromises {
  const facade = {
    setTimeout: async <T>(ms?: number, value?: T, options?: TimerOptions): Promise<T> => {
      await sleepFor(sleeper, delayOf(ms), options);
      return value as T;
    },
    setImmediate: async <T>(value?: T, options?: TimerOptions): Promise<T> => {
      await sleepFor(sleeper, 0, options);
      return value as T;
    },
    setInterval: async function* interval<T>(ms?: number, value?: T, options?: TimerOptions): AsyncGenerator<T> {
      for (;;) {
        await sleepFor(sleeper, delayOf(ms), options);
        yield value as T;
      }
    },
    scheduler: {
      wait: (ms: number, options?: TimerOptions): Promise<void> => sleepFor(sleeper, delayOf(ms), options),
      yield: (): Promise<void> => sleepFor(sleeper, 0, undefined),
    },
  };
  return facade as unknown as typeof realTimersPromises;
}

type TimerName = 'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'setImmediate' | 'clearImmediate';
const TIMER_NAMES: readonly TimerName[] = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'];

/** `node:timers` over the globals as they are at each call, with `promises` over `sleeper`. */
export function timersFacade(sleeper: Sleeper): Record<string, unknown> {
  const facade: Record<string, unknown> = { promises: timersPromisesFacade(sleeper) };
  for (const name of TIMER_NAMES) {
    facade[name] = (...args: unknown[]): unknown => (globalThis[name] as (...a: unknown[]) => unknown)(...args);
  }
  return facade;
}
