/**
 * Per-process globals: third-party code running inside a simulated process that calls `Date`,
 * `setTimeout`/`setInterval`/`setImmediate` (and their `clear*`), `performance.now()`,
 * `process.hrtime()`/`process.hrtime.bigint()`, `Math.random` or the randomness of `node:crypto`
 * (`randomBytes`, `randomFill(Sync)`, `randomInt`, `randomUUID`, `getRandomValues`, and Web
 * Crypto's `crypto.getRandomValues`/`randomUUID`) gets that process's view, not the machine's:
 * - `Date` reads the process's own clock, skew and drift included;
 * - the monotonic clocks count from the process's start on its clock (`entropy-and-clocks.ts`);
 * - timers are the process's sleeps, so a pause defers them and a crash drops them;
 * - randomness comes from the process's seeded stream, so a seed replays.
 *
 * How: while a world that opted in (`WorldOptions.processGlobals`) runs, the globals are replaced by
 * shims that ask an `AsyncLocalStorage` whose host they run under. A process's `main` starts inside
 * its own host, and every promise continuation and timer callback it makes inherits it; the driver
 * runs inside the world's host, so code outside any process (a world action, a fault) reads the
 * world's true clock and a stream of its own. Outside any world the shims are the real built-ins.
 *
 * Cost: async context tracking slows every promise while it is on, so the shims are installed when
 * the first opted-in world starts running and removed (and the storage disabled) when the last one
 * stops. Runs that do not opt in never pay for it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import nodeCrypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { hrtime, hrtimeBigint, monotonicNow, randomCalls, startMonotonicClock, timeOrigin, type ClockAndStream } from './entropy-and-clocks.js';
import { onePerProcess } from './one-per-process.js';

/** What the globals of code under a host read: a clock, a random stream and sleeps (pausable, dropped on a crash). */
export interface GlobalsHost {
  now(): number;
  random(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Timers that keep a host's process alive, as a referenced timer keeps a Node process alive: a
 * process whose `main` returned with timers pending exits when the last one is done.
 */
interface Liveness {
  pending: number;
  onIdle: (() => void) | undefined;
}

/** The built-ins the shims replace, as they were before any copy of this module installed shims. */
function captureRealBuiltins() {
  return {
    Date,
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
    setImmediate: globalThis.setImmediate,
    clearImmediate: globalThis.clearImmediate,
    random: Math.random,
    randomUUID: nodeCrypto.randomUUID,
    randomBytes: nodeCrypto.randomBytes,
    randomFillSync: nodeCrypto.randomFillSync,
    randomFill: nodeCrypto.randomFill,
    randomInt: nodeCrypto.randomInt,
    hrtime: process.hrtime,
    getRandomValues: globalThis.crypto === undefined ? undefined : globalThis.crypto.getRandomValues.bind(globalThis.crypto),
    performanceNow: globalThis.performance.now,
    timeOrigin: Object.getOwnPropertyDescriptor(Object.getPrototypeOf(globalThis.performance) as object, 'timeOrigin')?.get,
  };
}

/**
 * Everything here that the OS process has one of (`one-per-process.ts` says why it is not module
 * state): whether globals were asked for, how many worlds hold them installed, the async context
 * the shims read, the live timers, and the real built-ins. A copy of this module loaded while
 * another copy's shims are installed would otherwise take those shims for the real built-ins, and
 * its `load()` would ask for globals that the running world's copy never hears of.
 */
const state = onePerProcess('process-globals.v1', () => ({
  requested: false,
  installs: 0,
  storage: new AsyncLocalStorage<GlobalsHost>(),
  liveness: new WeakMap<GlobalsHost, Liveness>(),
  nextTimerId: 1,
  /** Live simulated timers by id, so `clearTimeout(Number(timer))` works as in Node (whichever copy made them). */
  liveTimers: new Map<number, { clear(): void }>(),
  real: captureRealBuiltins(),
}));
const storage = state.storage;

/** The host the calling code runs under, if any (only while shims are installed). */
export function currentGlobalsHost(): GlobalsHost | undefined {
  return state.installs > 0 ? storage.getStore() : undefined;
}

/** Runs `body` under `host`: what it calls and every continuation it schedules read `host`'s globals. */
export function runUnderHost<T>(host: GlobalsHost, body: () => T): T {
  // A process's monotonic clock (`performance.now()`) counts from here, its start.
  startMonotonicClock(host);
  return storage.run(host, body);
}

// ---- the real built-ins, captured before any shim --------------------------------------------------

const real = state.real;
const RealDate = real.Date;

// ---- timers ----------------------------------------------------------------------------------------

const liveness = state.liveness;

function livenessOf(host: GlobalsHost): Liveness {
  let entry = liveness.get(host);
  if (entry === undefined) liveness.set(host, (entry = { pending: 0, onIdle: undefined }));
  return entry;
}

/** Calls `onIdle` once `host` has no referenced timer pending: now, or when the last one is done. */
export function whenTimersIdle(host: GlobalsHost, onIdle: () => void): void {
  const entry = liveness.get(host);
  if (entry === undefined || entry.pending === 0) return onIdle();
  entry.onIdle = onIdle;
}

const liveTimers = state.liveTimers;

/** A simulated timer: what `setTimeout` returns inside a process, shaped like Node's `Timeout`. */
export class SimTimer {
  readonly id = state.nextTimerId++;
  private controller: AbortController | undefined;
  private cleared = false;
  /** Whether this timer counts toward keeping its process alive (`ref`, the default). */
  private referenced = false;

  constructor(
    private readonly host: GlobalsHost,
    private readonly delayMs: number,
    private readonly repeat: boolean,
    private readonly callback: (...args: unknown[]) => void,
    private readonly args: unknown[],
  ) {
    liveTimers.set(this.id, this);
    this.ref();
    this.arm();
  }

  private arm(): void {
    const controller = new AbortController();
    this.controller = controller;
    this.host.sleep(this.delayMs, controller.signal).then(
      () => {
        if (this.cleared || this.controller !== controller) return;
        if (this.repeat) this.arm();
        // A throw here rejects this continuation with nobody to catch it: the world crashes the
        // process that owns the timer, as an uncaught exception in a timer crashes a real one. The
        // timer is done only after its callback returns, so the process is still alive to take the
        // blame (a throw leaves it pending: the process is about to die of it anyway).
        this.callback(...this.args);
        if (!this.repeat) this.finish();
      },
      () => undefined,
    );
  }

  /** Stops the timer; it never fires. */
  clear(): void {
    this.cleared = true;
    this.controller?.abort();
    this.finish();
  }

  private finish(): void {
    liveTimers.delete(this.id);
    this.unref();
  }

  /** Restarts the countdown from now, as Node's `timeout.refresh()`. */
  refresh(): this {
    if (this.cleared) return this;
    const previous = this.controller;
    this.controller = undefined;
    previous?.abort();
    this.arm();
    return this;
  }

  /** Keeps the simulated process alive while pending (the default); never the real one. */
  ref(): this {
    if (this.referenced || this.cleared || !liveTimers.has(this.id)) return this;
    this.referenced = true;
    livenessOf(this.host).pending += 1;
    return this;
  }
  /** Lets the simulated process exit with this timer pending (the timer then dies with it). */
  unref(): this {
    if (!this.referenced) return this;
    this.referenced = false;
    const entry = livenessOf(this.host);
    entry.pending -= 1;
    if (entry.pending === 0 && entry.onIdle !== undefined) {
      const onIdle = entry.onIdle;
      entry.onIdle = undefined;
      onIdle();
    }
    return this;
  }
  hasRef(): boolean {
    return this.referenced;
  }
  close(): this {
    this.clear();
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** Node's rule for a timer's delay: not a number, or under 1, is 1 ms. */
function timerDelay(ms: unknown): number {
  const delay = Number(ms);
  return Number.isFinite(delay) && delay >= 1 ? delay : 1;
}

function clearAny(handle: unknown, clearReal: (handle: never) => void): void {
  if (handle instanceof SimTimer) return handle.clear();
  // A timer another copy of this module made (`one-per-process.ts`): known by its id, as the same object.
  if (typeof handle === 'object' && handle !== null && Symbol.toPrimitive in handle) {
    const timer = liveTimers.get(Number(handle));
    if (timer !== undefined && (timer as unknown) === handle) return timer.clear();
  }
  if (typeof handle === 'number' || typeof handle === 'string') {
    const timer = liveTimers.get(Number(handle));
    if (timer !== undefined) return timer.clear();
  }
  if (handle !== undefined && handle !== null) clearReal(handle as never);
}

function shimTimer(realSet: (...args: never[]) => unknown, repeat: boolean) {
  return function setTimer(callback: unknown, ms?: unknown, ...args: unknown[]): unknown {
    const host = currentGlobalsHost();
    if (host === undefined || typeof callback !== 'function') return (realSet as (...a: unknown[]) => unknown)(callback, ms, ...args);
    return new SimTimer(host, timerDelay(ms), repeat, callback as (...a: unknown[]) => void, args);
  };
}

const shims = {
  setTimeout: shimTimer(real.setTimeout, false),
  setInterval: shimTimer(real.setInterval, true),
  setImmediate(callback: unknown, ...args: unknown[]): unknown {
    const host = currentGlobalsHost();
    if (host === undefined || typeof callback !== 'function') return (real.setImmediate as (...a: unknown[]) => unknown)(callback, ...args);
    // Delay 0: a sleep that resolves after everything already due at this instant, as an immediate runs after its turn's I/O.
    return new SimTimer(host, 0, false, callback as (...a: unknown[]) => void, args);
  },
  clearTimeout: (handle: unknown): void => clearAny(handle, real.clearTimeout),
  clearInterval: (handle: unknown): void => clearAny(handle, real.clearInterval),
  clearImmediate: (handle: unknown): void => clearAny(handle, real.clearImmediate),
  random: (): number => (currentGlobalsHost() ?? { random: real.random }).random(),
};

/** The random calls of `node:crypto` and Web Crypto: under a host, from its stream; elsewhere, the real ones. */
const hostCalls = randomCalls(() => currentGlobalsHost() as ClockAndStream);
function underHostOrReal<A extends unknown[], R>(simulated: (...args: A) => R, realCall: ((...args: A) => R) | undefined): (...args: A) => R {
  return (...args: A): R => {
    if (currentGlobalsHost() !== undefined || realCall === undefined) return simulated(...args);
    return realCall(...args);
  };
}
const realGetRandomValues = real.getRandomValues;
const cryptoShims = {
  randomBytes: underHostOrReal(hostCalls.randomBytes, real.randomBytes as typeof hostCalls.randomBytes),
  randomFillSync: underHostOrReal(hostCalls.randomFillSync, real.randomFillSync as typeof hostCalls.randomFillSync),
  randomFill: underHostOrReal(hostCalls.randomFill, real.randomFill as typeof hostCalls.randomFill),
  randomInt: underHostOrReal(hostCalls.randomInt, real.randomInt as typeof hostCalls.randomInt),
  randomUUID: underHostOrReal(hostCalls.randomUUID, real.randomUUID),
  getRandomValues: underHostOrReal(hostCalls.getRandomValues, realGetRandomValues as typeof hostCalls.getRandomValues | undefined),
};

/** `process.hrtime`, and its `bigint`, on the host's monotonic clock. */
const hrtimeShim = Object.assign(
  (previous?: [number, number]): [number, number] => {
    const host = currentGlobalsHost();
    return host === undefined ? real.hrtime(previous) : hrtime(host, previous);
  },
  {
    bigint: (): bigint => {
      const host = currentGlobalsHost();
      return host === undefined ? real.hrtime.bigint() : hrtimeBigint(host);
    },
  },
);

/** `performance.now()` and `performance.timeOrigin` on the host's monotonic clock. */
const performanceShims: PropertyDescriptorMap = {
  now: {
    value: function now(): number {
      const host = currentGlobalsHost();
      return host === undefined ? realPerformanceNow.call(globalThis.performance) : monotonicNow(host);
    },
    writable: true,
    configurable: true,
  },
  timeOrigin: {
    get(): number {
      const host = currentGlobalsHost();
      return host === undefined ? (realTimeOrigin?.call(globalThis.performance) as number) : timeOrigin(host);
    },
    configurable: true,
  },
};
const realPerformanceNow = real.performanceNow;
const realTimeOrigin = real.timeOrigin;

// ---- Date ------------------------------------------------------------------------------------------

/**
 * `Date` as code under a host sees it: `new Date()` and `Date.now()` read the host's clock; a date
 * built from arguments is an ordinary date. Its prototype is the real one, so `instanceof Date` and
 * every method hold for dates made before, after or outside a run.
 */
const SimDate = function Date(this: unknown, ...args: unknown[]): unknown {
  const host = currentGlobalsHost();
  if (new.target === undefined) return new RealDate(host === undefined ? RealDate.now() : host.now()).toString();
  const constructorArgs = args.length === 0 && host !== undefined ? [host.now()] : args;
  return Reflect.construct(RealDate, constructorArgs, new.target);
} as unknown as DateConstructor;
Object.defineProperties(SimDate, {
  prototype: { value: RealDate.prototype, writable: false },
  now: { value: (): number => (currentGlobalsHost() ?? RealDate).now(), writable: true, configurable: true },
  parse: { value: RealDate.parse, writable: true, configurable: true },
  UTC: { value: RealDate.UTC, writable: true, configurable: true },
});

// ---- installing ------------------------------------------------------------------------------------

/** One set of the globals this module replaces: the shims, or the real built-ins. */
interface GlobalSet {
  readonly Date: DateConstructor;
  readonly setTimeout: unknown;
  readonly clearTimeout: unknown;
  readonly setInterval: unknown;
  readonly clearInterval: unknown;
  readonly setImmediate: unknown;
  readonly clearImmediate: unknown;
  readonly random: () => number;
  readonly randomUUID: unknown;
  readonly randomBytes: unknown;
  readonly randomFillSync: unknown;
  readonly randomFill: unknown;
  readonly randomInt: unknown;
  readonly hrtime: unknown;
}

function setGlobals(values: GlobalSet): void {
  const target = globalThis as unknown as Record<string, unknown>;
  target.Date = values.Date;
  target.setTimeout = values.setTimeout;
  target.clearTimeout = values.clearTimeout;
  target.setInterval = values.setInterval;
  target.clearInterval = values.clearInterval;
  target.setImmediate = values.setImmediate;
  target.clearImmediate = values.clearImmediate;
  Math.random = values.random;
  const crypto = nodeCrypto as unknown as Record<string, unknown>;
  crypto.randomUUID = values.randomUUID;
  crypto.randomBytes = values.randomBytes;
  crypto.randomFillSync = values.randomFillSync;
  crypto.randomFill = values.randomFill;
  crypto.randomInt = values.randomInt;
  process.hrtime = values.hrtime as NodeJS.HRTime;
  // `import { randomUUID } from 'node:crypto'` is a live binding of the built-in's exports: refresh it.
  syncBuiltinESMExports();
}

/**
 * Installs the shims (counted: every call needs one `releaseProcessGlobals`). Called by a world that
 * opted in when it starts running.
 */
export function acquireProcessGlobals(): void {
  state.installs += 1;
  if (state.installs > 1) return;
  setGlobals({ ...shims, ...cryptoShims, Date: SimDate, hrtime: hrtimeShim });
  // Own properties in front of the prototypes' methods; `require('crypto').getRandomValues` and
  // `perf_hooks.performance` go through these very objects.
  if (globalThis.crypto !== undefined) {
    Object.defineProperties(globalThis.crypto, {
      randomUUID: { value: cryptoShims.randomUUID, writable: true, configurable: true },
      getRandomValues: { value: cryptoShims.getRandomValues, writable: true, configurable: true },
    });
  }
  Object.defineProperties(globalThis.performance, performanceShims);
}

/** Gives back one `acquireProcessGlobals`; the last one restores the real built-ins and stops context tracking. */
export function releaseProcessGlobals(): void {
  if (state.installs === 0) return;
  state.installs -= 1;
  if (state.installs > 0) return;
  setGlobals({ ...real, Date: RealDate });
  // Drop the own properties set above so the prototypes' real methods show through again.
  if (globalThis.crypto !== undefined) {
    delete (globalThis.crypto as unknown as Record<string, unknown>).randomUUID;
    delete (globalThis.crypto as unknown as Record<string, unknown>).getRandomValues;
  }
  delete (globalThis.performance as unknown as Record<string, unknown>).now;
  delete (globalThis.performance as unknown as Record<string, unknown>).timeOrigin;
  storage.disable();
  // Timers of processes that crashed or never cleared them belong to finished runs: forget them.
  liveTimers.clear();
}

/** Whether the shims are installed now (some opted-in world is running). */
export function processGlobalsInstalled(): boolean {
  return state.installs > 0;
}

/**
 * Asks that every world created from now on in this thread give its processes per-process globals
 * (`WorldOptions.processGlobals` defaults to this). Loading a user's module through simrun asks it:
 * code simrun did not write may read the clock or start timers without going through `Env`.
 */
export function requestProcessGlobals(): void {
  state.requested = true;
}

/** Whether `requestProcessGlobals` was called in this thread. */
export function processGlobalsRequested(): boolean {
  return state.requested;
}
