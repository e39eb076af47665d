/**
 * The supervisor of a real run: starts the same CLI processes a user runs (`node bin/run.js ...`),
 * one log file per incarnation (standard output and standard error on one descriptor, so a printed
 * line keeps its place among the JSON event lines), and records every start, exit and signal it
 * sends as trace events. It tracks each child; whatever is still alive when the run ends, or when
 * the supervisor itself exits or is interrupted, is killed with its whole process group.
 *
 * Each child is started in a process group of its own (detached), so the nemesis's signals reach
 * exactly the process it names and the final clean-up reaches everything that process started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../../env/errors.js';
import { CLOCK_OFFSET_FILE_VARIABLE } from '../../env/real-env.js';
import { formatProcessId } from '../../sim/process-id.js';

/**
 * The store faults a system's run offers the nemesis (`sqlite-busy`, `pg-terminate`, `disk-full`); each resolves
 * true once it struck, false when the run's store is not of its kind.
 */
export interface StoreFaults {
  /** Another process holds a write transaction on the SQLite file for `ms`; resolves once it struck (not when it ends). */
  sqliteBusy?(ms: number): Promise<boolean>;
  /** Terminates every other backend connected to the PostgreSQL database. */
  pgTerminate?(): Promise<boolean>;
  /** Fills the system's small disk for `ms` (every write there fails with ENOSPC); resolves once it struck. */
  diskFull?(ms: number): Promise<boolean>;
}

/** An event the supervisor saw or caused, already in the trace's shape (less `seq`). */
export interface SupervisorEvent {
  readonly t: number;
  readonly pid: string;
  readonly kind: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** How an incarnation ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly t: number;
}

export interface Incarnation {
  readonly name: string;
  readonly incarnation: number;
  /** `worker-1#2`. */
  readonly pid: string;
  readonly logPath: string;
  readonly startedAt: number;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  /** Set once it has exited. */
  exit?: ExitInfo;
  paused: boolean;
}

export interface SupervisorOptions {
  /** Logs go to `<dir>/logs/<name>#<n>.log`. */
  readonly dir: string;
  /** The CLI entry point; found next to this module by default. */
  readonly bin?: string;
  /** Extra environment for every child. */
  readonly env?: Readonly<Record<string, string>>;
}

/** `bin/run.js` of this package, whether running from `dist/` or from the sources. */
export function simrunBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'bin', 'run.js');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new HarnessError('cannot find simrun\'s bin/run.js above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Every supervisor alive in this process, so an exit or an interrupt can kill all their children. */
/** The exit code of a `simrun` command that refused its input (`InputError`, see src/cli/base.ts). */
const INPUT_EXIT_CODE = 2;

const live = new Set<Supervisor>();
let hooked = false;

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const supervisor of live) supervisor.killEverything();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      for (const supervisor of live) supervisor.killEverything();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export class Supervisor {
  readonly events: SupervisorEvent[] = [];
  /** Every incarnation ever started, in start order. */
  readonly incarnations: Incarnation[] = [];
  private readonly argsByName = new Map<string, readonly string[]>();
  private readonly current = new Map<string, Incarnation>();
  private readonly pauseTimers = new Set<NodeJS.Timeout>();
  private readonly expectedExitCodes = new Map<string, readonly number[]>();
  private readonly bin: string;
  private readonly logDir: string;
  private readonly clockDir: string;
  /** The store faults of this run, set by the system before the nemesis starts. */
  storeFaults: StoreFaults | undefined;
  /** Environment a system adds for the processes it starts from now on (e.g. `PGAPPNAME`, to find their connections). */
  readonly childEnv: Record<string, string> = {};

  constructor(private readonly options: SupervisorOptions) {
    this.bin = options.bin ?? simrunBin();
    this.logDir = resolve(options.dir, 'logs');
    this.clockDir = resolve(options.dir, 'clocks');
    mkdirSync(this.logDir, { recursive: true });
    mkdirSync(this.clockDir, { recursive: true });
    hookProcessExit();
    live.add(this);
  }

  /** Records an event of the supervisor's own (`world` in the trace), e.g. a nemesis action. */
  record(kind: string, data?: Readonly<Record<string, unknown>>, pid = 'world'): void {
    this.events.push(data === undefined ? { t: Date.now(), pid, kind } : { t: Date.now(), pid, kind, data });
  }

  /** The live incarnation of `name`, if any. */
  running(name: string): Incarnation | undefined {
    const incarnation = this.current.get(name);
    return incarnation === undefined || incarnation.exit !== undefined ? undefined : incarnation;
  }

  /**
   * Starts a new incarnation of `name` with `args` (or the arguments it was last started with).
   * `expectedExitCodes`: codes besides 0 that end this program normally (a command that refuses, by
   * design, what would change nothing), recorded as an exit rather than an error.
   */
  start(name: string, args?: readonly string[], options: { readonly expectedExitCodes?: readonly number[] } = {}): Incarnation {
    if (options.expectedExitCodes !== undefined) this.expectedExitCodes.set(name, options.expectedExitCodes);
    const argv = args ?? this.argsByName.get(name);
    if (argv === undefined) throw new HarnessError(`no command known for process ${name}`);
    if (this.running(name) !== undefined) throw new HarnessError(`${name} is already running`);
    this.argsByName.set(name, argv);
    const number = this.incarnations.filter((incarnation) => incarnation.name === name).length + 1;
    const pid = formatProcessId(name, number);
    const logPath = join(this.logDir, `${name}#${number}.log`);
    const fd = openSync(logPath, 'w');
    let child: ChildProcess;
    try {
      // The children are simrun's own compiled CLI: under a test runner's NODE_ENV=test, oclif would
      // go looking for TypeScript sources instead.
      // Each process reads its clock's offset from a file of its own, which a `clock` action rewrites.
      const clock = { [CLOCK_OFFSET_FILE_VARIABLE]: this.clockFileOf(name) };
      child = spawn(process.execPath, [this.bin, ...argv], { stdio: ['ignore', fd, fd], detached: true, env: { ...process.env, NODE_ENV: 'production', ...this.options.env, ...this.childEnv, ...clock } });
    } finally {
      closeSync(fd);
    }
    const startedAt = Date.now();
    const exited = new Promise<ExitInfo>((resolveExit) => {
      let settled = false;
      const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        const exit: ExitInfo = { code, signal, t: Date.now() };
        incarnation.exit = exit;
        incarnation.paused = false;
        this.recordExit(incarnation, exit);
        resolveExit(exit);
      };
      child.once('exit', settle);
      child.once('error', () => settle(null, null));
    });
    const incarnation: Incarnation = { name, incarnation: number, pid, logPath, startedAt, child, exited, paused: false };
    this.incarnations.push(incarnation);
    this.current.set(name, incarnation);
    this.events.push({ t: startedAt, pid, kind: 'process.start', ...(child.pid === undefined ? {} : { data: { osPid: child.pid } }) });
    return incarnation;
  }

  private recordExit(incarnation: Incarnation, exit: ExitInfo): void {
    const { pid } = incarnation;
    // Death by a signal is a kill, not an error of the program: SIGKILL always, SIGTERM or SIGINT when
    // it landed before the process installed its handlers (Node's default is to die at once).
    if (exit.signal !== null) this.events.push({ t: exit.t, pid, kind: 'process.crash' });
    else if (exit.code === 0) this.events.push({ t: exit.t, pid, kind: 'process.exit' });
    else if (exit.code !== null && (this.expectedExitCodes.get(incarnation.name) ?? []).includes(exit.code)) this.events.push({ t: exit.t, pid, kind: 'process.exit', data: { code: exit.code } });
    else {
      const message = exit.code === null ? 'could not be started' : `exited with code ${exit.code}`;
      this.events.push({ t: exit.t, pid, kind: 'process.error', data: { message } });
    }
  }

  /**
   * The first incarnation that ended with the CLI's bad-input code (2) where its program was not told
   * that code is a normal ending: it refused what it was given or could not reach its store (the
   * database went away), which is the run's condition, not a verdict on the system under test.
   */
  refusedInput(): Incarnation | undefined {
    return this.incarnations.find((incarnation) => incarnation.exit?.code === INPUT_EXIT_CODE && !(this.expectedExitCodes.get(incarnation.name) ?? []).includes(INPUT_EXIT_CODE));
  }

  /** Sends `signal` to the live incarnation of `name`; false when none is running. */
  signal(name: string, signal: NodeJS.Signals): boolean {
    const incarnation = this.running(name);
    if (incarnation === undefined || incarnation.child.pid === undefined) return false;
    const sentAt = Date.now();
    try {
      process.kill(incarnation.child.pid, signal);
    } catch {
      return false;
    }
    if (signal === 'SIGTERM') {
      // As a simulated stop records it: a SIGTERM the process answered by exiting on its own terms.
      // Checkers tell a stopped process from one that quit unasked by it (bucket liveness). One that
      // died of the signal, or of a SIGKILL after it, is a crash, recorded at its exit.
      void incarnation.exited.then((exit) => {
        if (exit.signal === null) this.events.push({ t: sentAt, pid: incarnation.pid, kind: 'process.signal', data: { signal: 'SIGTERM', handled: true } });
      });
    }
    return true;
  }

  private clockFileOf(name: string): string {
    return join(this.clockDir, `${name}.offset`);
  }

  /**
   * Sets the clock of `name` (this incarnation and the next ones: a machine's clock stays wrong when
   * its program restarts) `offsetMs` off true time, and records it as the simulator's `process.skew`,
   * so the checkers that allow for skew see it. Written whole by a rename, so a reading never sees half.
   */
  setClockOffset(name: string, offsetMs: number): boolean {
    const file = this.clockFileOf(name);
    writeFileSync(`${file}.tmp`, `${offsetMs}\n`);
    renameSync(`${file}.tmp`, file);
    this.events.push({ t: Date.now(), pid: name, kind: 'process.skew', data: { skewMs: offsetMs } });
    return true;
  }

  /** SIGSTOP now, SIGCONT after `ms`; false when `name` is not running. */
  pause(name: string, ms: number): boolean {
    const incarnation = this.running(name);
    if (incarnation === undefined || !this.signal(name, 'SIGSTOP')) return false;
    incarnation.paused = true;
    this.events.push({ t: Date.now(), pid: incarnation.pid, kind: 'process.pause', data: { ms, untilMs: Date.now() + ms } });
    const timer = setTimeout(() => {
      this.pauseTimers.delete(timer);
      this.resume(incarnation);
    }, ms);
    this.pauseTimers.add(timer);
    return true;
  }

  private resume(incarnation: Incarnation): void {
    if (!incarnation.paused || incarnation.exit !== undefined || incarnation.child.pid === undefined) return;
    incarnation.paused = false;
    try {
      process.kill(incarnation.child.pid, 'SIGCONT');
    } catch {
      // It died while stopped (a kill reaches a stopped process); nothing to resume.
    }
  }

  /** SIGKILL, and waits for the exit. */
  async kill(name: string): Promise<void> {
    const incarnation = this.running(name);
    if (incarnation === undefined) return;
    this.signal(name, 'SIGKILL');
    await incarnation.exited;
  }

  /**
   * The graceful stop a user's supervisor does: SIGTERM (after SIGCONT, since a stopped process
   * cannot run its handler), then SIGKILL if it has not exited within `graceMs`.
   */
  async stop(name: string, graceMs: number): Promise<ExitInfo | undefined> {
    const incarnation = this.running(name);
    if (incarnation === undefined) return incarnation;
    this.resume(incarnation);
    this.signal(name, 'SIGTERM');
    const timer = setTimeout(() => this.signal(name, 'SIGKILL'), graceMs);
    try {
      return await incarnation.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops every live process gracefully, all at once. */
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all([...this.current.keys()].map((name) => this.stop(name, graceMs)));
  }

  /** Waits for every incarnation to have exited. */
  async settled(): Promise<void> {
    await Promise.all(this.incarnations.map((incarnation) => incarnation.exited));
  }

  /**
   * Synchronously kills every live child's process group: for the end of a run and for the
   * supervisor's own exit, so nothing a run started outlives it.
   */
  killEverything(): void {
    for (const timer of this.pauseTimers) clearTimeout(timer);
    this.pauseTimers.clear();
    for (const incarnation of this.incarnations) {
      const osPid = incarnation.child.pid;
      if (osPid === undefined) continue;
      for (const target of [-osPid, osPid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  /** Kills whatever is left and forgets this supervisor. */
  async close(): Promise<void> {
    this.killEverything();
    await this.settled();
    live.delete(this);
  }
}
