/**
 * The world: one virtual time, one tree of seeded random streams, one virtual volume, one trace,
 * and the simulated processes that share them.
 *
 * Time. `@sinonjs/fake-timers` owns the world's clock: it supplies the `Date` and global timers that
 * unmodified third-party code calls (installed on `globalThis` only with `installGlobals`). The
 * world's own events (process sleeps, I/O completions, faults, world actions) live in a faster
 * binary heap; both are read against the same clock, so there is one virtual time.
 *
 * The driver loop, which defines the total event order:
 * 1. find the next due instant: the earlier of the heap's top and the fake clock's next timer;
 * 2. move the clock there, firing the fake clock's timers due by then (third-party timers first);
 * 3. fire every heap event due at that instant in (lane, seq) order (see `event-queue.ts`; the
 *    seeded tie order draws `seq`, shuffling events due at one instant within their lane);
 * 4. settle every promise those events resolved, in the order they were resolved: at a real
 *    macrotask boundary, or in place as Node does at one (`settleMicrotasks`), never by counting
 *    microtasks (that gives order-dependent results);
 * 5. repeat until nothing is scheduled (quiescence) or the next instant lies past the horizon.
 * Events scheduled while an instant settles at that same instant run in the next round of the
 * loop; a run of such rounds with no progress in time ends as `NoProgress`.
 */
import FakeTimers from '@sinonjs/fake-timers';
import type { FsPromises } from '../env/fs.js';
import type { Env, LogData } from '../env/env.js';
import { EventBudgetExceeded, NoProgress, WallClockExceeded } from './errors.js';
import type { KernelEvent } from './events.js';
import { AbortListeners } from './abort-listeners.js';
import { EventQueue, Lane, type ScheduledEvent } from './event-queue.js';
import { queueMacrotask, realPerformanceNow, realSetImmediate, settleMicrotasks } from './globals.js';
import { acquireProcessGlobals, processGlobalsRequested, releaseProcessGlobals, runUnderHost, whenTimersIdle, type GlobalsHost } from './process-globals.js';
import { Incarnation, SimProcess, type ProcessHost, type ProcessMain } from './process.js';
import { formatProcessId, parseProcessId } from './process-id.js';
import { Prng } from './prng.js';
import { createVolume, SimFs, type FsHost, type FsOperation } from './sim-fs.js';
import { Trace } from './trace.js';
import { MAX_TIMER_DELAY_MS } from '../env/timer-limit.js';

/** The default epoch, the morning of the seed document's example file `2020_08_18_02_15.txt`. */
export const DEFAULT_EPOCH_MS = Date.UTC(2020, 7, 18, 0, 0, 0);

export interface WorldOptions {
  /** The run's seed: every random stream of the world forks from it. */
  readonly seed: number;
  /** Virtual wall-clock time at the start, ms since the Unix epoch. */
  readonly epochMs?: number;
  /** The run stops once the next event lies more than this many ms past the epoch. */
  readonly horizonMs?: number;
  /** A harness error once more events than this have fired. */
  readonly maxEvents?: number;
  /** A harness error once this many events fire without virtual time moving. */
  readonly maxEventsWithoutProgress?: number;
  /** A harness error once the run has taken this much real time. */
  readonly maxWallMs?: number;
  /** Also install the world's fake `Date` and timers on `globalThis` for third-party code. */
  readonly installGlobals?: boolean;
  /**
   * The IANA time zone the run's wall clocks are read in (cron schedules, say); `UTC` by default.
   * The world's time is an instant either way: the zone only says how local calendars see it.
   */
  readonly timeZone?: string;
  /**
   * The order of events due at one instant within one lane: `fifo` (creation order, the default)
   * or `seeded` (an order drawn from the seed; see `event-queue.ts`).
   */
  readonly tieOrder?: TieOrder;
  /**
   * Per-process globals (`process-globals.ts`): code in a process that calls `Date`, the global
   * timers, `Math.random` or `crypto.randomUUID` gets that process's clock, sleeps and stream.
   * Off by default (it slows every promise while a run uses it), unless a user's module was loaded
   * through simrun in this thread (`requestProcessGlobals`).
   */
  readonly processGlobals?: boolean;
}

export type TieOrder = 'fifo' | 'seeded';
export const TIE_ORDERS: readonly TieOrder[] = ['fifo', 'seeded'];

export interface RunOutcome {
  /** `quiescent`: nothing left to do; `horizon`: stopped at the horizon with work still scheduled. */
  readonly status: 'quiescent' | 'horizon';
  /** Events fired, fake-clock timers included. */
  readonly events: number;
  /** Virtual ms elapsed since the epoch. */
  readonly simulatedMs: number;
  readonly wallMs: number;
}

export interface FsLatency {
  readonly minMs: number;
  readonly maxMs: number;
}

export interface FsFault {
  /** `EIO` or `ENOSPC` (any POSIX code is accepted). */
  readonly code: string;
  /** Only this operation fails; any operation when absent. */
  readonly op?: FsOperation;
  /** Only operations of this process fail; any process when absent. */
  readonly target?: string;
  /** Only paths containing this string fail. */
  readonly pathIncludes?: string;
  /** How many operations fail before the fault is spent (default 1). */
  readonly count?: number;
}

type FakeClock = FakeTimers.Clock;

/**
 * How many driver rounds may share one real macrotask, settling in place in between: enough that
 * the trip through the event loop costs nothing per round, few enough (a few milliseconds of a busy
 * simulation) that the thread still answers messages and real timers promptly.
 */
const ROUNDS_PER_MACROTASK = 256;

const NO_LATENCY: FsLatency = { minMs: 0, maxMs: 0 };

export class World {
  readonly seed: number;
  readonly epochMs: number;
  readonly timeZone: string;
  readonly tieOrder: TieOrder;
  readonly horizonMs: number;
  readonly prng: Prng;
  readonly volume = createVolume();
  readonly trace = new Trace();
  /** The fake-timers clock that is the world's time. */
  readonly clock: FakeClock;
  /** The shared volume without latency or faults, for setup and for checking final state. */
  readonly fs: FsPromises;

  private readonly queue = new EventQueue();
  private readonly processes = new Map<string, SimProcess>();
  private readonly fsFaults: Array<FsFault & { remaining: number }> = [];
  private readonly fsLatencyByProcess = new Map<string, FsLatency>();
  private fsLatency: FsLatency = NO_LATENCY;
  /**
   * Slow-storage episodes in force, by target (`''`: everyone): the latency from before the first
   * one, and each running episode's latency. Kept by the `fs-slow` fault kind; the world owns it so
   * nothing about a run outlives the run.
   */
  readonly slowFsEpisodes = new Map<string, { readonly baseline: FsLatency | undefined; readonly activeMs: number[] }>();
  /**
   * Virtual time, mirrored from the fake clock: reading it from the clock object (a dictionary-mode
   * object with dozens of properties) costs more than the rest of scheduling a wake-up.
   */
  private nowMs: number;
  private seqCounter = 0;
  private eventsFired = 0;
  private running = false;
  private uninstall: (() => void) | undefined;
  private readonly options: Required<Omit<WorldOptions, 'seed' | 'epochMs' | 'horizonMs' | 'installGlobals' | 'timeZone' | 'tieOrder' | 'processGlobals'>>;
  /** What globals read outside any process while this world runs (`processGlobals` on), or undefined. */
  private readonly globalsHost: GlobalsHost | undefined;
  /** Whether this world holds the installed globals now (between `run` and its end). */
  private holdsGlobals = false;
  /** Under the seeded tie order, the stream each event's `seq` is drawn from. */
  private readonly tiePrng: Prng | undefined;
  /** The processes whose events fired in the driver's last round: who an unhandled rejection seen after it belongs to. */
  private readonly roundOwners: Incarnation[] = [];
  /** Stacks of the errors that killed processes, by the seq of their `process.error` event (kept out of the trace: paths differ between machines). */
  private readonly errorStacks = new Map<number, string>();
  private readonly processHost: ProcessHost;
  /** The stream every process's own stream forks from. */
  private readonly processPrng: Prng;
  /** Abort listeners of sleeps not yet over, taken off their signals when the world ends (`abort-listeners.ts`). */
  private readonly abortListeners = new AbortListeners();

  constructor(options: WorldOptions) {
    this.seed = options.seed;
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS;
    this.timeZone = options.timeZone ?? 'UTC';
    this.tieOrder = options.tieOrder ?? 'fifo';
    this.horizonMs = options.horizonMs ?? Number.POSITIVE_INFINITY;
    this.options = {
      maxEvents: options.maxEvents ?? 20_000_000,
      maxEventsWithoutProgress: options.maxEventsWithoutProgress ?? 100_000,
      maxWallMs: options.maxWallMs ?? Number.POSITIVE_INFINITY,
    };
    this.prng = Prng.root(options.seed);
    this.processPrng = this.prng.fork('process');
    this.tiePrng = this.tieOrder === 'seeded' ? this.prng.fork('ties') : undefined;
    this.nowMs = this.epochMs;
    this.globalsHost = (options.processGlobals ?? processGlobalsRequested()) ? this.createWorldGlobalsHost() : undefined;
    if (options.installGlobals) {
      const installed = FakeTimers.withGlobal(globalThis).install({
        now: this.epochMs,
        toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
        loopLimit: 1_000_000,
      });
      this.clock = installed;
      this.uninstall = () => installed.uninstall();
    } else {
      this.clock = FakeTimers.createClock(this.epochMs, 1_000_000);
    }
    this.processHost = {
      now: () => this.nowMs,
      wake: (owner, delayMs, fire) => this.wake(owner, delayMs, fire),
      wakeUncancellable: (owner, delayMs, fire) => {
        this.queue.pushReusable(this.wakeTime(owner, delayMs), Lane.Process, this.nextSeq(), owner, fire);
      },
      record: (pid, kind, data) => this.record(pid, kind, data),
      createFs: (owner) => this.createFs(owner),
      abortListeners: this.abortListeners,
    };
    this.fs = new SimFs({
      volume: this.volume,
      now: () => this.nowMs,
      complete: (_operation, _path, complete) => complete(),
      takeFault: () => undefined,
      record: () => undefined,
      random: lazyStream(() => this.prng.fork('world-fs-names')),
    });
  }

  /** Whether code in this world's processes gets per-process globals (`WorldOptions.processGlobals`). */
  get processGlobals(): boolean {
    return this.globalsHost !== undefined;
  }

  /** Outside any process: the world's true clock, a stream of its own, sleeps as world actions. */
  private createWorldGlobalsHost(): GlobalsHost {
    const prng = this.prng.fork('globals');
    return {
      now: () => this.nowMs,
      random: () => prng.next(),
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          const event = this.schedule(this.nowMs + (ms > 0 ? ms : 0), Lane.World, null, () => {
            this.abortListeners.remove(onAbort);
            resolve();
          });
          const onAbort = (): void => {
            this.abortListeners.fired(onAbort);
            event.cancelled = true;
            reject(signal?.reason);
          };
          if (signal !== undefined) this.abortListeners.add(signal, onAbort);
        }),
    };
  }

  /** True virtual time, ms since the Unix epoch. */
  now(): number {
    return this.nowMs;
  }

  /** Virtual ms since the epoch. */
  elapsed(): number {
    return this.nowMs - this.epochMs;
  }

  /** Appends an event to the trace at the current virtual time. */
  record(pid: string, kind: string, data?: LogData): void {
    this.trace.append(this.nowMs, pid, kind, data);
  }

  /**
   * A logger that records into the trace as `pid`, for services that belong to the world rather
   * than to a process (a fence, the fault plan): typed event families emit through it.
   */
  loggerFor(pid: string): Pick<Env, 'log'> {
    return { log: (kind, data) => this.record(pid, kind, data) };
  }

  /** Appends one of the kernel's own events (typed: see `events.ts`). */
  private recordKernel(pid: string, event: KernelEvent): void {
    this.record(pid, event.kind, event.data);
  }

  // ---- processes ---------------------------------------------------------------------------

  /** Starts `main(env)` as simulated process `name`, incarnation 1. */
  spawn(name: string, main: ProcessMain): SimProcess {
    if (this.processes.has(name)) throw new Error(`a process named '${name}' already exists`);
    const process = new SimProcess(name, main);
    this.processes.set(name, process);
    this.start(process);
    return process;
  }

  process(name: string): SimProcess {
    const process = this.processes.get(name);
    if (process === undefined) throw new Error(`no process named '${name}' (known: ${[...this.processes.keys()].join(', ') || 'none'})`);
    return process;
  }

  processNames(): string[] {
    return [...this.processes.keys()];
  }

  /**
   * Runs `handler` once the incarnation `id` (`name#n`, an env's id) has ended, at once if it
   * already has: what a pipe's reader sees when the process holding its write end dies.
   */
  whenEnded(id: string, handler: () => void): void {
    const current = this.processes.get(parseProcessId(id).name)?.current;
    if (current?.id === id) current.whenEnded(handler);
    else handler();
  }

  /** Stops `name`'s current incarnation for good at its next await. No-op if it is not running. */
  crash(name: string): void {
    const incarnation = this.process(name).current;
    if (incarnation === undefined || !incarnation.alive) return;
    incarnation.alive = false;
    incarnation.state = 'crashed';
    this.recordKernel(incarnation.id, { kind: 'process.crash' });
    incarnation.ended();
  }

  /**
   * Delivers a graceful stop (SIGTERM) to `name`'s current incarnation: its registered handlers run
   * at its next step (after a pause, if it is paused); with none registered it dies at once, as
   * Node's default disposition kills it. No-op if it is not running.
   */
  stop(name: string): void {
    const incarnation = this.process(name).current;
    if (incarnation === undefined || !incarnation.alive) return;
    const handlers = incarnation.stopHandlers;
    const handled = handlers !== undefined && handlers.length > 0;
    this.recordKernel(incarnation.id, { kind: 'process.signal', data: { signal: 'SIGTERM', handled, ...(incarnation.ran ? {} : { beforeStart: true as const }) } });
    if (!handled) {
      incarnation.alive = false;
      incarnation.state = 'crashed';
      this.recordKernel(incarnation.id, { kind: 'process.crash', data: { signal: 'SIGTERM' } });
      incarnation.ended();
      return;
    }
    this.wake(incarnation, 0, () => {
      // Each handler once, as registered when the signal arrived; one that throws kills the process, as an uncaught exception in a Node signal listener does.
      for (const handler of [...handlers]) {
        if (!incarnation.alive) return;
        try {
          if (this.globalsHost === undefined) handler();
          else runUnderHost(incarnation.env, handler);
        } catch (error) {
          this.onExit(incarnation, error);
        }
      }
    });
  }

  /** Starts a new incarnation of `name`; a running one is crashed first. */
  restart(name: string): void {
    const process = this.process(name);
    if (process.current?.alive) this.crash(name);
    this.start(process);
  }

  /** Freezes `name`'s current incarnation for `ms`: everything it awaits is deferred by `ms`. */
  pause(name: string, ms: number): void {
    const incarnation = this.process(name).current;
    if (incarnation === undefined || !incarnation.alive || ms <= 0) return;
    const now = this.nowMs;
    incarnation.pausedUntil = Math.max(incarnation.pausedUntil, now) + ms;
    this.queue.shiftOwner(incarnation, ms);
    this.recordKernel(incarnation.id, { kind: 'process.pause', data: { ms, untilMs: incarnation.pausedUntil } });
  }

  /** Sets `name`'s clock offset from true time. */
  setSkew(name: string, skewMs: number): void {
    const process = this.process(name);
    process.skewMs = skewMs;
    this.recordKernel(process.current?.id ?? formatProcessId(name, 0), { kind: 'process.skew', data: { skewMs } });
  }

  /** Sets `name`'s clock drift from now on, keeping the offset accumulated so far. */
  setDrift(name: string, driftPpm: number): void {
    const process = this.process(name);
    const now = this.nowMs;
    process.skewMs = process.clockAt(now) - now;
    process.driftPpm = driftPpm;
    process.driftSinceMs = now;
    this.recordKernel(process.current?.id ?? formatProcessId(name, 0), { kind: 'process.drift', data: { driftPpm } });
  }

  private start(process: SimProcess): void {
    const number = process.nextIncarnationNumber();
    const incarnation = new Incarnation(process, number, this.processPrng, this.processHost);
    process.current = incarnation;
    this.recordKernel(incarnation.id, { kind: 'process.start' });
    // The first step runs as an event, so a process never starts in the middle of another's step.
    this.schedule(this.nowMs, Lane.Process, incarnation, () => {
      incarnation.ran = true;
      let result: Promise<void> | void;
      try {
        // Under per-process globals, main and every continuation it makes run under its own env.
        result = this.globalsHost === undefined ? process.main(incarnation.env) : runUnderHost(incarnation.env, () => process.main(incarnation.env));
      } catch (error) {
        this.onExit(incarnation, error);
        return;
      }
      Promise.resolve(result).then(
        // Under per-process globals a process lives on while its own timers are pending, as a Node process does.
        () => (this.globalsHost === undefined ? this.onExit(incarnation, undefined) : whenTimersIdle(incarnation.env, () => this.onExit(incarnation, undefined))),
        (error: unknown) => this.onExit(incarnation, error),
      );
    });
  }

  private onExit(incarnation: Incarnation, error: unknown): void {
    if (!incarnation.alive) return;
    incarnation.alive = false;
    if (error === undefined) {
      incarnation.state = 'exited';
      this.recordKernel(incarnation.id, { kind: 'process.exit' });
    } else {
      incarnation.state = 'failed';
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.recordKernel(incarnation.id, { kind: 'process.error', data: { message } });
      if (error instanceof Error && error.stack !== undefined) this.errorStacks.set(this.trace.length - 1, error.stack);
    }
    incarnation.ended();
  }

  /** The stack of the error recorded as trace event `seq` (a `process.error`), when it had one. */
  errorStackAt(seq: number): string | undefined {
    return this.errorStacks.get(seq);
  }

  /**
   * A promise rejected with nobody to handle it, outside a process's main chain (a library's
   * callback threw, a `.then` without a `catch`): it crashes the process that was running when it
   * was made, as an uncaught exception crashes a real one, instead of the harness. Rejections are
   * reported after the round whose microtasks made them, so the culprit is that round's process;
   * when several processes stepped at that instant, the first of them that is still alive.
   */
  private onUnhandledRejection(reason: unknown): void {
    const culprit = this.roundOwners.find((owner) => owner.alive);
    if (culprit === undefined) throw reason;
    this.onExit(culprit, reason === undefined ? new Error('a promise was rejected with undefined') : reason);
  }

  // ---- scheduling --------------------------------------------------------------------------

  /** Runs `action` at `offsetMs` past the epoch, as the world (before processes at that instant). */
  at(offsetMs: number, action: () => void): void {
    this.schedule(this.epochMs + offsetMs, Lane.World, null, action);
  }

  /** Runs a fault at `offsetMs` past the epoch, before anything else at that instant. */
  atFault(offsetMs: number, action: () => void): void {
    this.schedule(this.epochMs + offsetMs, Lane.Fault, null, action);
  }

  private schedule(time: number, lane: Lane, owner: Incarnation | null, fire: () => void): ScheduledEvent {
    const event: ScheduledEvent = { time, lane, seq: this.nextSeq(), owner, fire, cancelled: false, reusable: false };
    this.queue.push(event);
    return event;
  }

  /** Schedules a wake-up of `owner`; setting `cancelled` on the returned event drops it. */
  private wake(owner: Incarnation, delayMs: number, fire: () => void): ScheduledEvent {
    const event: ScheduledEvent = { time: this.wakeTime(owner, delayMs), lane: Lane.Process, seq: this.nextSeq(), owner, fire, cancelled: false, reusable: false };
    this.queue.push(event);
    return event;
  }

  /** When a wake-up of `owner` after `delayMs` is due. */
  private wakeTime(owner: Incarnation, delayMs: number): number {
    // A paused incarnation's own clock stands still until it wakes; whatever it schedules counts from then.
    // (A comparison, not `Math.max`: with `-Infinity` for "not paused" that made every time a double.)
    const now = this.nowMs;
    const pausedUntil = owner.pausedUntil;
    // As harsh as Node: a delay past its timer limit fires after 1 ms (and Node warns; the trace records it).
    if (delayMs > MAX_TIMER_DELAY_MS) {
      this.recordKernel(owner.id, { kind: 'process.timer-overflow', data: { delayMs } });
      delayMs = 1;
    }
    return (pausedUntil > now ? pausedUntil : now) + (delayMs > 0 ? delayMs : 0);
  }

  /**
   * The next event's tie-break key: the creation counter, or under the seeded tie order a drawn key
   * above it (31 random bits over the counter's low 21, so below 2^52 and exact as a double; two
   * equal draws still fall back to creation order).
   */
  private nextSeq(): number {
    const counter = this.seqCounter++;
    const ties = this.tiePrng;
    return ties === undefined ? counter : ties.int(0, 0x7fffffff) * 0x200000 + (counter & 0x1fffff);
  }

  // ---- filesystem --------------------------------------------------------------------------

  /**
   * Latency of every file operation, drawn uniformly per operation from the caller's stream.
   * `undefined` clears it: no latency for everyone, the default latency for `target`.
   */
  setFsLatency(latency: FsLatency | undefined, target?: string): void {
    if (target === undefined) this.fsLatency = latency ?? NO_LATENCY;
    else if (latency === undefined) this.fsLatencyByProcess.delete(target);
    else this.fsLatencyByProcess.set(target, latency);
  }

  /** The latency in force for everyone (no `target`), or `target`'s own (`undefined` if none). */
  getFsLatency(target?: string): FsLatency | undefined {
    return target === undefined ? this.fsLatency : this.fsLatencyByProcess.get(target);
  }

  /** Makes matching file operations fail with `fault.code` and take no effect; the function returned ends the fault early. */
  injectFsFault(fault: FsFault): () => void {
    const entry = { ...fault, remaining: fault.count ?? 1 };
    this.fsFaults.push(entry);
    return () => {
      const index = this.fsFaults.indexOf(entry);
      if (index >= 0) this.fsFaults.splice(index, 1);
    };
  }

  private createFs(owner: Incarnation): SimFs {
    const latencyPrng = owner.prng.fork('fs-latency');
    const host: FsHost = {
      volume: this.volume,
      now: () => this.nowMs,
      complete: (_operation, _path, complete) => {
        const latency = this.fsLatencyByProcess.get(owner.process.name) ?? this.fsLatency;
        const delayMs = latency.maxMs > 0 ? latencyPrng.int(latency.minMs, latency.maxMs) : 0;
        this.queue.pushReusable(this.wakeTime(owner, delayMs), Lane.Process, this.nextSeq(), owner, complete);
      },
      takeFault: (operation, path) => this.takeFsFault(owner.process.name, operation, path),
      record: (operation, data) => this.recordKernel(owner.id, { kind: fsEventKind(operation), data }),
      // The names `mkdtemp` draws: a stream of their own, so naming a directory shifts no other draw.
      random: lazyStream(() => owner.prng.fork('fs-names')),
    };
    return new SimFs(host);
  }

  private takeFsFault(processName: string, operation: FsOperation, path: string): string | undefined {
    // Most runs inject none at most moments: an empty list needs no search (and no predicate made for it).
    if (this.fsFaults.length === 0) return undefined;
    const index = this.fsFaults.findIndex(
      (fault) =>
        fault.remaining > 0 &&
        (fault.op === undefined || fault.op === operation) &&
        (fault.target === undefined || fault.target === processName) &&
        (fault.pathIncludes === undefined || path.includes(fault.pathIncludes)),
    );
    if (index < 0) return undefined;
    const fault = this.fsFaults[index] as FsFault & { remaining: number };
    fault.remaining -= 1;
    if (fault.remaining === 0) this.fsFaults.splice(index, 1);
    return fault.code;
  }

  // ---- the driver ---------------------------------------------------------------------------

  /**
   * Drives virtual time until quiescence or the horizon. Rejects with a `HarnessError` on a runaway
   * run.
   *
   * The loop is a chain of real macrotasks (`queueMacrotask`) rather than an `async` function
   * awaiting a promise per round: the order is the same (each round runs in its own macrotask, after
   * every microtask of the round before has settled), but a round no longer pays for a promise, its
   * resolver and the hop back into the driver's continuation, which cost as much as the rest of a
   * small round.
   *
   * Up to `ROUNDS_PER_MACROTASK` rounds share one macrotask: between two of them the driver settles
   * in place what the macrotask boundary would (`settleMicrotasks`: next ticks, every microtask until
   * none is left, the report of unhandled rejections, in Node's order), which saves the message, its
   * event object and the trip through the event loop. The order of everything in the world is the
   * same; a real macrotask still comes every so many rounds, so the thread keeps answering messages.
   */
  run(): Promise<RunOutcome> {
    if (this.running) return Promise.reject(new Error('this world is already running'));
    this.running = true;
    const wallStart = realPerformanceNow();
    const horizonTime = this.epochMs + this.horizonMs;
    const { maxEvents, maxEventsWithoutProgress, maxWallMs } = this.options;
    const queue = this.queue;
    let stalledEvents = 0;
    let lastInstant = Number.NaN;
    let rounds = 0;
    return new Promise<RunOutcome>((resolve, reject) => {
      const unhandled = (reason: unknown): void => this.onUnhandledRejection(reason);
      rejectionListeners.add(this, unhandled);
      const finish = (status: RunOutcome['status']): void => {
        this.running = false;
        this.releaseGlobals();
        rejectionListeners.remove(this);
        this.dispose();
        resolve({ status, events: this.eventsFired, simulatedMs: this.nowMs - this.epochMs, wallMs: realPerformanceNow() - wallStart });
      };
      const step = (): void => {
        for (let batch = 1; ; batch++) {
          if (!round()) return;
          if (batch >= ROUNDS_PER_MACROTASK || settle === undefined) break;
          try {
            settle();
          } catch (error) {
            // What a real boundary would do: the driver goes on in a macrotask of its own, and the
            // error (a rejection listener that threw) is the thread's uncaught exception.
            yieldThen(step);
            throw error;
          }
        }
        // One real macrotask: every promise the last round's events resolved settles first.
        yieldThen(step);
      };
      /** Fires the events of the next instant; false once the run has ended (resolved or rejected). */
      const round = (): boolean => {
        try {
          const nextEvent = queue.peek();
          const nextTimer = nextFakeTimerAt(this.clock);
          const eventTime = nextEvent === undefined ? Number.POSITIVE_INFINITY : nextEvent.time;
          const instant = nextTimer === undefined || eventTime <= nextTimer ? eventTime : nextTimer;
          if (instant === Number.POSITIVE_INFINITY) {
            finish('quiescent');
            return false;
          }
          if (instant > horizonTime) {
            this.moveClockTo(horizonTime, nextTimer);
            finish('horizon');
            return false;
          }
          let fired = this.moveClockTo(instant, nextTimer);
          let culprit: Incarnation | null = null;
          this.roundOwners.length = 0;
          for (let event = queue.peek(); event !== undefined && event.time === instant; event = queue.peek()) {
            // Read before `pop`: a reusable record goes back to the queue's pool there, and the wake-up it fires may take it again.
            const fire = event.fire;
            culprit = event.owner as Incarnation | null;
            queue.pop();
            fire();
            fired += 1;
            if (culprit !== null && this.roundOwners[this.roundOwners.length - 1] !== culprit) this.roundOwners.push(culprit);
          }
          this.eventsFired += fired;
          stalledEvents = instant === lastInstant ? stalledEvents + fired : 0;
          lastInstant = instant;
          if (this.eventsFired > maxEvents) throw new EventBudgetExceeded(maxEvents, instant - this.epochMs);
          if (stalledEvents > maxEventsWithoutProgress) throw new NoProgress(stalledEvents, instant - this.epochMs, culprit?.id ?? 'a fake timer');
          // Reading the real clock costs more than a round of a small simulation: look every 64 rounds.
          if ((rounds++ & 63) === 0 && realPerformanceNow() - wallStart > maxWallMs) throw new WallClockExceeded(maxWallMs, instant - this.epochMs);
        } catch (error) {
          this.running = false;
          this.releaseGlobals();
          rejectionListeners.remove(this);
          this.dispose();
          reject(error);
          return false;
        }
        // The rejections this round leaves unhandled are reported to this world.
        rejectionListeners.current = this;
        return true;
      };
      const globalsHost = this.globalsHost;
      // Under per-process globals each round keeps a macrotask of its own (see `yieldThen`).
      const settle = globalsHost === undefined ? settleMicrotasks : undefined;
      // A port's macrotasks cost a third of an immediate's (`queueMacrotask`), but run in the context
      // the port was made in: under per-process globals the chain must carry the world's host.
      const yieldThen: (callback: () => void) => unknown = globalsHost === undefined ? queueMacrotask : realSetImmediate;
      if (globalsHost === undefined) {
        yieldThen(step);
        return;
      }
      // The driver's chain of immediates runs under the world's host: code outside any process reads the world's time.
      acquireProcessGlobals();
      this.holdsGlobals = true;
      runUnderHost(globalsHost, () => realSetImmediate(step));
    });
  }

  private releaseGlobals(): void {
    if (!this.holdsGlobals) return;
    this.holdsGlobals = false;
    releaseProcessGlobals();
  }

  /**
   * Removes the fake globals, if this world installed them, and takes the abort listeners of sleeps
   * that will never end off their signals, so nothing outside the world keeps it alive. Safe to call
   * twice.
   */
  dispose(): void {
    this.releaseGlobals();
    this.uninstall?.();
    this.uninstall = undefined;
    this.abortListeners.clear();
  }

  /** How many sleeps still have an abort listener on a signal (none once the world has ended). */
  get pendingAbortListeners(): number {
    return this.abortListeners.size;
  }

  /** Moves the clock to `time`, firing fake-clock timers due by then; returns how many fired. */
  private moveClockTo(time: number, next: number | undefined): number {
    if (next === undefined || next > time) {
      this.clock.now = time;
      this.nowMs = time;
      return 0;
    }
    const before = this.clock.countTimers();
    // `time` is never later than the next fake timer, so every timer fired here fires at `time`.
    this.nowMs = time;
    this.clock.tick(time - this.clock.now);
    return Math.max(1, before - this.clock.countTimers());
  }
}

/**
 * When the fake clock's next timer is due. fake-timers keeps its timers in `timerHeap` (v15); the
 * `timers` map is the fallback for versions without it.
 */
function nextFakeTimerAt(clock: FakeClock): number | undefined {
  const internal = clock as unknown as {
    timerHeap?: { peek(): { callAt: number } | undefined };
    timers?: Map<unknown, { callAt: number }> | Record<string, { callAt: number }>;
  };
  if (internal.timerHeap) return internal.timerHeap.peek()?.callAt;
  if (!internal.timers) return undefined;
  const timers = internal.timers instanceof Map ? [...internal.timers.values()] : Object.values(internal.timers);
  let earliest: number | undefined;
  for (const timer of timers) if (earliest === undefined || timer.callAt < earliest) earliest = timer.callAt;
  return earliest;
}

/**
 * One `unhandledRejection` listener for every world running in this thread: Node reports a
 * rejection after the macrotask that made it, which is the round of the world stepped last. With no
 * world running, the listener is gone and Node's own behaviour is back.
 */
const rejectionListeners = {
  current: undefined as World | undefined,
  byWorld: new Map<World, (reason: unknown) => void>(),
  listener: (reason: unknown): void => {
    const world = rejectionListeners.current;
    const handle = world === undefined ? undefined : rejectionListeners.byWorld.get(world);
    if (handle === undefined) throw reason;
    handle(reason);
  },
  add(world: World, handle: (reason: unknown) => void): void {
    if (this.byWorld.size === 0) process.on('unhandledRejection', this.listener);
    this.byWorld.set(world, handle);
    this.current = world;
  },
  remove(world: World): void {
    if (!this.byWorld.delete(world)) return;
    if (this.current === world) this.current = undefined;
    if (this.byWorld.size === 0) process.off('unhandledRejection', this.listener);
  },
};

/** An `fs.<operation>` trace kind, made once per operation rather than once per traced operation. */
const fsEventKinds = new Map<FsOperation, `fs.${FsOperation}`>();
function fsEventKind(operation: FsOperation): `fs.${FsOperation}` {
  let kind = fsEventKinds.get(operation);
  if (kind === undefined) {
    kind = `fs.${operation}`;
    fsEventKinds.set(operation, kind);
  }
  return kind;
}

/** Draws from a stream made the first time one is needed (most processes never name a temporary directory). */
function lazyStream(make: () => Prng): () => number {
  let stream: Prng | undefined;
  return () => (stream ??= make()).next();
}
