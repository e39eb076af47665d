/**
 * A simulated executor: each execution emits numbered output chunks over `env.sleep` and then exits
 * with the code its behaviour says. It runs inside the calling process's `Env`, like a child of
 * that process: pausing the process pauses its jobs, and crashing it ends them silently.
 *
 * Every chunk and every exit is recorded in the trace (`sim-job.start`, `sim-job.output`,
 * `sim-job.exit`): that record is what the job actually did, the independent account the
 * invariants compare the runners' own bookkeeping against.
 *
 * A `held` execution exists (its id can be recorded, a kill reaches it) but does nothing of its
 * command until `release()`: no `sim-job.start`, no output. Like the real held shell waiting on its
 * pipe (`src/real/job-runner/shell-executor.ts`), it gives up without running the command when it is
 * killed first or when its starter dies first (`whenStarterEnds`: the pipe's write end closes), and
 * says so with `sim-job.never-ran`.
 */
import type { Env } from '../../env/env.js';
import type { Execution, ExecutionRequest, Executor, ExitStatus } from './executor.js';
import { simJobEvents } from './events.js';

/** What one simulated execution does. Units last. */
export interface SimJobBehaviour {
  /** Chunks of output it prints, one every `everyMs`. */
  readonly chunks: number;
  /** Bytes in each chunk (at least the chunk's label, and its newline). */
  readonly chunkBytes: number;
  /** Time before each chunk, ms. */
  readonly everyMs: number;
  /** Time after the last chunk until it exits, ms. */
  readonly tailMs: number;
  /** Its exit code when nobody ends it. */
  readonly exitCode: number;
  /** Every this many chunks, one goes to stderr rather than stdout (the last of each run of them); 0 or absent: none. */
  readonly stderrEvery?: number;
  /** Each stdout chunk begins with a data report of this amount (`SIMRUN_DATA amount=N`, `../dag/data-report.ts`); absent: none. */
  readonly dataPerChunk?: number;
  /** A process the job starts in the background as it begins. */
  readonly child?: SimChildBehaviour;
}

/**
 * A background child of a simulated job (`child & …`). `waited`: the job's shell waits for it before
 * it exits, under errexit, so a child that fails makes the shell exit with its status. Not waited
 * for and still running when the shell exits, it is left running in the job's process group: the
 * executor ends it and says so in the exit status (`leftRunning`), as the real strict executor does.
 */
export interface SimChildBehaviour {
  /** How long after the job starts the child exits, ms. */
  readonly endsAfterMs: number;
  readonly exitCode: number;
  readonly waited: boolean;
}

/** The stream chunk `seq` of an execution with `behaviour` goes to. */
export function chunkStream(behaviour: Pick<SimJobBehaviour, 'stderrEvery'>, seq: number): 'stdout' | 'stderr' {
  const every = behaviour.stderrEvery ?? 0;
  return every > 0 && seq % every === every - 1 ? 'stderr' : 'stdout';
}

/**
 * What the executor shares across the incarnations of the process that uses it (it outlives a
 * crash, as the world does): execution numbering and the executions that can still be crashed.
 */
export class SimExecutionRegistry {
  private nextNumber = 1;
  private readonly crashable = new Map<string, () => void>();

  /** A fresh id, unique across every incarnation. */
  nextId(): string {
    return `e${this.nextNumber++}`;
  }

  track(id: string, crash: () => void): void {
    this.crashable.set(id, crash);
  }

  untrack(id: string): void {
    this.crashable.delete(id);
  }

  /** Ends the execution at once with `SIGKILL`, as the kernel's OOM killer would; false if it is not running. */
  crash(id: string): boolean {
    const crash = this.crashable.get(id);
    if (crash === undefined) return false;
    crash();
    return true;
  }

  /** Ids of executions still running, oldest first. */
  running(): string[] {
    return [...this.crashable.keys()];
  }
}

/** A simulated start: what the executor needs to know of the starter's death, for a held start. */
export interface SimExecutionRequest extends ExecutionRequest {
  /** Registers what runs once the process that started the execution has ended (absent: it never ends). */
  readonly whenStarterEnds?: (handler: () => void) => void;
}

/** Why a held execution never ran its command: killed first, or its starter died first. */
type NeverRan = 'SIGTERM' | 'SIGKILL' | 'starter-ended';

/** The real held shell's exit when its pipe reads end of input (`HOLD_SCRIPT`'s `exit 125`). */
const HELD_EOF_EXIT_CODE = 125;

/** The wait of a held execution: settles `released`, or why it never ran, whichever comes first. */
function holdUntilReleased(signal: AbortSignal, whenStarterEnds: SimExecutionRequest['whenStarterEnds']): { readonly outcome: Promise<'released' | NeverRan>; release(): void } {
  let settle: (outcome: 'released' | NeverRan) => void = () => undefined;
  const outcome = new Promise<'released' | NeverRan>((resolve) => {
    let settled = false;
    settle = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
  });
  signal.addEventListener('abort', () => settle((signal.reason as Ended).signal), { once: true });
  whenStarterEnds?.(() => settle('starter-ended'));
  return { outcome, release: () => settle('released') };
}

/** Thrown into a simulated job's sleep to end it. */
class Ended extends Error {
  constructor(readonly signal: 'SIGTERM' | 'SIGKILL') {
    super(`ended by ${signal}`);
  }
}

/**
 * An `Executor` over `env`: `behaviourOf(command)` says what each execution of `command` does
 * (called once per execution, so it may vary between attempts).
 */
export function createSimExecutor(env: Env, registry: SimExecutionRegistry, behaviourOf: (command: string) => SimJobBehaviour): Executor & { start(request: SimExecutionRequest): Execution } {
  return {
    start(request: SimExecutionRequest): Execution {
      const id = registry.nextId();
      const controller = new AbortController();
      const end = (signal: 'SIGTERM' | 'SIGKILL'): void => {
        if (!controller.signal.aborted) controller.abort(new Ended(signal));
      };
      if (request.held === true) {
        registry.track(id, () => end('SIGKILL'));
        const hold = holdUntilReleased(controller.signal, request.whenStarterEnds);
        const exited = hold.outcome.then((outcome): Promise<ExitStatus> | ExitStatus => {
          if (outcome === 'released') return run(id, request, behaviourOf(request.command), controller.signal);
          registry.untrack(id);
          simJobEvents.emit(env, { kind: 'sim-job.never-ran', data: { execution: id, command: request.command, why: outcome } });
          return outcome === 'starter-ended' ? { code: HELD_EOF_EXIT_CODE, signal: null } : { code: null, signal: outcome };
        });
        return { id, exited, kill: (force) => end(force === true ? 'SIGKILL' : 'SIGTERM'), release: hold.release };
      }
      const behaviour = behaviourOf(request.command);
      registry.track(id, () => end('SIGKILL'));
      const exited = run(id, request, behaviour, controller.signal);
      return { id, exited, kill: (force) => end(force === true ? 'SIGKILL' : 'SIGTERM') };
    },
  };

  /** The command's run, from its `sim-job.start` to its `sim-job.exit`. */
  function run(id: string, request: ExecutionRequest, behaviour: SimJobBehaviour, signal: AbortSignal): Promise<ExitStatus> {
    simJobEvents.emit(env, { kind: 'sim-job.start', data: { execution: id, command: request.command } });
    const startedMs = env.now();
    return (async (): Promise<ExitStatus> => {
      let bytes = 0;
      let status: ExitStatus;
      try {
        for (let seq = 0; seq < behaviour.chunks; seq++) {
          await env.sleep(behaviour.everyMs, signal);
          const stream = chunkStream(behaviour, seq);
          const reported = stream === 'stdout' ? behaviour.dataPerChunk : undefined;
          const text = (reported === undefined ? '' : dataReportLine(reported)) + chunkText(id, seq, behaviour.chunkBytes);
          bytes += text.length;
          simJobEvents.emit(env, { kind: 'sim-job.output', data: { execution: id, seq, bytes: text.length, ...(stream === 'stderr' ? { stream } : {}), ...(reported === undefined ? {} : { reported }) } });
          request.onOutput({ stream, text });
        }
        await env.sleep(behaviour.tailMs, signal);
        status = await shellExit(env, behaviour, startedMs, signal);
      } catch (error) {
        if (!(error instanceof Ended)) throw error;
        status = { code: null, signal: error.signal };
      }
      registry.untrack(id);
      simJobEvents.emit(env, { kind: 'sim-job.exit', data: { execution: id, code: status.code, signal: status.signal, bytes, ...(status.leftRunning === true ? { leftRunning: true } : {}) } });
      return status;
    })();
  }
}

/**
 * How the job's shell exits once its own work is done, given its background child: a waited child
 * is waited for (and, failing, fails the shell, as errexit makes it); one neither waited for nor
 * finished is still running, and is ended with the job.
 */
async function shellExit(env: Env, behaviour: SimJobBehaviour, startedMs: number, signal: AbortSignal): Promise<ExitStatus> {
  const child = behaviour.child;
  if (child === undefined) return { code: behaviour.exitCode, signal: null };
  const childLeftMs = startedMs + child.endsAfterMs - env.now();
  if (child.waited) {
    if (childLeftMs > 0) await env.sleep(childLeftMs, signal);
    return { code: child.exitCode === 0 ? behaviour.exitCode : child.exitCode, signal: null };
  }
  return childLeftMs > 0 ? { code: behaviour.exitCode, signal: null, leftRunning: true } : { code: behaviour.exitCode, signal: null };
}

/** A data report line (`../dag/data-report.ts`). */
export function dataReportLine(amount: number): string {
  return `SIMRUN_DATA amount=${amount}\n`;
}

/** Chunk `seq` of execution `id`: its label padded with dots to `bytes`, ending in a newline. */
export function chunkText(id: string, seq: number, bytes: number): string {
  const label = `${id}:${seq}`;
  return label.padEnd(Math.max(label.length, bytes - 1), '.') + '\n';
}
