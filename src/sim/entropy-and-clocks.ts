/**
 * The monotonic clocks (`performance.now()`, `process.hrtime()`) and the randomness of `node:crypto`
 * (`randomBytes`, `randomFill`, `randomInt`, `randomUUID`, `getRandomValues`) as a simulated
 * process sees them: read from its clock and drawn from its seeded stream, so a seed replays.
 *
 * Two doors use these: the per-process globals (`process-globals.ts`, which find the calling
 * process through async context), and `load()`, which hands a loaded module tree `crypto` and
 * `perf_hooks` facades bound to its process (`cryptoFacade`, `perfHooksFacade`).
 *
 * The monotonic clock counts from the process incarnation's start, as Node's counts from the OS
 * process's. It is the process's clock (drift included) but never steps back: a skew set backwards
 * holds it still until the clock catches up, as a real monotonic clock ignores a wall-clock step.
 */
import nodeCrypto from 'node:crypto';
import perfHooks from 'node:perf_hooks';
import { onePerProcess } from './one-per-process.js';

/** What these read: a process's clock and its random stream (an `Env` is one). */
export interface ClockAndStream {
  now(): number;
  random(): number;
}

interface MonotonicState {
  readonly originMs: number;
  lastMs: number;
}
/** One per OS process (`one-per-process.ts`): a copy of this module must read the clock its process started. */
const monotonic = onePerProcess('monotonic-clocks.v1', () => new WeakMap<ClockAndStream, MonotonicState>());

/** Starts `host`'s monotonic clock at its present time, unless it has one already (called at a process's start). */
export function startMonotonicClock(host: ClockAndStream): void {
  if (!monotonic.has(host)) monotonic.set(host, { originMs: host.now(), lastMs: 0 });
}

function monotonicState(host: ClockAndStream): MonotonicState {
  startMonotonicClock(host);
  return monotonic.get(host) as MonotonicState;
}

/** `performance.now()` for `host`: ms since its start, never decreasing. */
export function monotonicNow(host: ClockAndStream): number {
  const state = monotonicState(host);
  state.lastMs = Math.max(state.lastMs, host.now() - state.originMs);
  return state.lastMs;
}

/** `performance.timeOrigin` for `host`: its wall clock at its start. */
export function timeOrigin(host: ClockAndStream): number {
  return monotonicState(host).originMs;
}

const NS_PER_MS = 1_000_000n;

/** `process.hrtime.bigint()` for `host`: its monotonic clock in nanoseconds. */
export function hrtimeBigint(host: ClockAndStream): bigint {
  const ms = monotonicNow(host);
  const whole = Math.floor(ms);
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
}

/** `process.hrtime(previous?)` for `host`: `[seconds, nanoseconds]`, or the difference from `previous`. */
export function hrtime(host: ClockAndStream, previous?: readonly [number, number]): [number, number] {
  let ns = hrtimeBigint(host);
  if (previous !== undefined) ns -= BigInt(previous[0]) * 1_000_000_000n + BigInt(previous[1]);
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

/** Fills `target`'s bytes from `host`'s stream, one draw a byte (the same draws `randomUUID` makes). */
export function fillRandom<T extends ArrayBufferView>(host: ClockAndStream, target: T, offset = 0, size?: number): T {
  const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  const end = size === undefined ? bytes.length : Math.min(bytes.length, offset + size);
  for (let index = offset; index < end; index++) bytes[index] = Math.floor(host.random() * 256);
  return target;
}

/** `crypto.randomBytes(size)` from `host`'s stream. */
export function randomBytes(host: ClockAndStream, size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${String(size)}`);
  return fillRandom(host, Buffer.alloc(size));
}

/** `crypto.randomInt(min?, max)` from `host`'s stream: an integer in [min, max). */
export function randomInt(host: ClockAndStream, minOrMax: number, max?: number): number {
  const [low, high] = max === undefined ? [0, minOrMax] : [minOrMax, max];
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high <= low) {
    throw new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${String(low)}). Received ${String(high)}`);
  }
  return low + Math.floor(host.random() * (high - low));
}

/** A version-4 UUID from `host`'s stream. */
export function randomUUID(host: ClockAndStream): `${string}-${string}-${string}-${string}-${string}` {
  const bytes = fillRandom(host, new Uint8Array(16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Web Crypto's `getRandomValues(typedArray)` from `host`'s stream, with its 65,536-byte limit. */
export function getRandomValues<T extends ArrayBufferView | null>(host: ClockAndStream, target: T): T {
  if (!ArrayBuffer.isView(target) || target instanceof Float32Array || target instanceof Float64Array || target instanceof DataView) {
    throw Object.assign(new TypeError('The data argument must be an integer-type TypedArray'), { name: 'TypeMismatchError', code: 17 });
  }
  if (target.byteLength > 65_536) {
    throw Object.assign(new Error(`The ArrayBufferView's byte length (${target.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`), {
      name: 'QuotaExceededError',
      code: 22,
    });
  }
  return fillRandom(host, target);
}

/** Node's callback convention for crypto's async calls: the callback runs in a later turn, in the caller's process. */
function later<T>(callback: (error: Error | null, value?: T) => void, produce: () => T): void {
  let value: T;
  try {
    value = produce();
  } catch (error) {
    void Promise.resolve().then(() => callback(error as Error));
    return;
  }
  // A throw in the callback rejects this continuation: the world blames the calling process.
  void Promise.resolve().then(() => callback(null, value));
}

type AnyCallback = (error: Error | null, value?: unknown) => void;

/** The random calls of `node:crypto` bound to a host: `host` is fixed (load()) or found per call (globals). */
export function randomCalls(hostOf: () => ClockAndStream) {
  return {
    randomBytes(size: number, callback?: AnyCallback): Buffer | undefined {
      if (typeof callback !== 'function') return randomBytes(hostOf(), size);
      const host = hostOf();
      later(callback, () => randomBytes(host, size));
      return undefined;
    },
    randomFillSync<T extends ArrayBufferView>(target: T, offset?: number, size?: number): T {
      return fillRandom(hostOf(), target, offset ?? 0, size);
    },
    randomFill(target: ArrayBufferView, ...rest: unknown[]): void {
      const callback = rest.pop() as AnyCallback;
      if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
      const [offset, size] = rest as [number | undefined, number | undefined];
      const host = hostOf();
      later(callback, () => fillRandom(host, target, offset ?? 0, size));
    },
    randomInt(minOrMax: number, maxOrCallback?: unknown, callback?: unknown): number | undefined {
      const done = [maxOrCallback, callback].find((value): value is AnyCallback => typeof value === 'function');
      const max = typeof maxOrCallback === 'number' ? maxOrCallback : undefined;
      if (done === undefined) return randomInt(hostOf(), minOrMax, max);
      const host = hostOf();
      later(done, () => randomInt(host, minOrMax, max));
      return undefined;
    },
    randomUUID: (_options?: nodeCrypto.RandomUUIDOptions): `${string}-${string}-${string}-${string}-${string}` => randomUUID(hostOf()),
    getRandomValues: <T extends ArrayBufferView | null>(target: T): T => getRandomValues(hostOf(), target),
  };
}

/** The names `randomCalls` gives, as a `node:crypto` module has them. */
export const RANDOM_CALL_NAMES = ['randomBytes', 'randomFillSync', 'randomFill', 'randomInt', 'randomUUID', 'getRandomValues'] as const;

/**
 * `target` with `overrides` in front: the overrides answer their names, everything else is the
 * target's own. For an instance (`bindMethods`), its methods are called on the target itself, since
 * built-ins such as `performance.mark` check what `this` is; a module's functions are left as they
 * are (its classes keep their identity).
 */
function fronted<T extends object>(target: T, overrides: Readonly<Record<string | symbol, unknown>>, bindMethods = false): T {
  return new Proxy(target, {
    get(object, name) {
      if (Object.hasOwn(overrides, name)) return overrides[name];
      const value: unknown = Reflect.get(object, name, object);
      return bindMethods && typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
    has: (object, name) => Object.hasOwn(overrides, name) || Reflect.has(object, name),
  });
}

/** Web Crypto (`crypto.webcrypto`, `globalThis.crypto`) with `host`'s randomness. */
function webCryptoFacade(host: ClockAndStream): typeof nodeCrypto.webcrypto {
  return fronted(nodeCrypto.webcrypto, {
    getRandomValues: <T extends ArrayBufferView | null>(target: T): T => getRandomValues(host, target),
    randomUUID: () => randomUUID(host),
  }, true);
}

/** `node:crypto` for a module tree loaded into `host`'s process: Node's own, its randomness `host`'s. */
export function cryptoFacade(host: ClockAndStream): typeof nodeCrypto {
  const calls = randomCalls(() => host);
  // Node's `pseudoRandomBytes` and `prng`/`rng` are deprecated aliases of `randomBytes`.
  return fronted(nodeCrypto, { ...calls, webcrypto: webCryptoFacade(host), pseudoRandomBytes: calls.randomBytes, prng: calls.randomBytes, rng: calls.randomBytes });
}

/** `node:perf_hooks` for a module tree loaded into `host`'s process: its `performance` reads `host`'s monotonic clock. */
export function perfHooksFacade(host: ClockAndStream): typeof perfHooks {
  const performance = fronted(perfHooks.performance, {
    now: () => monotonicNow(host),
    get timeOrigin(): number {
      return timeOrigin(host);
    },
  }, true);
  return fronted(perfHooks, { performance });
}
