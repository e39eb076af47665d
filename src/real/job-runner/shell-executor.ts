/**
 * The real `Executor`: each job is `/bin/sh -c COMMAND` in its own process group (detached), with
 * stdout and stderr captured as they come, as bytes. Stopping a job signals the whole group, so
 * whatever the command started goes too: SIGTERM first, SIGKILL if the group is still there after a
 * grace period (at once when forced).
 *
 * A command the kernel cannot start (a NUL byte, longer than one argument may be, empty) is refused
 * before it is accepted (`refuse`); should a spawn still fail, `start` throws and the runner ends the
 * job `failed` with the reason.
 *
 * A `held` job's shell starts (its process group exists, its id can be recorded) but waits for one
 * line on a pipe from its starter before it becomes the job's `/bin/sh -c COMMAND`: the same process,
 * by `exec`, so the same pid and group. `release()` writes the line and closes the pipe (the job then
 * reads end of input, as from /dev/null). A starter that dies first never writes it: the kernel closes
 * its end, the shell reads end of input and exits without running the command.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { Execution, ExecutionRequest, Executor, ExitStatus } from '../../systems/job-runner/executor.js';

/**
 * The longest command, in bytes: Linux refuses a single argument of 32 pages (131 072 bytes, with
 * its terminating NUL) or more with E2BIG, and the command is one argument of `sh -c`.
 */
export const MAX_COMMAND_BYTES = 131_071;

export interface ShellExecutorOptions {
  /** Working directory of the jobs (the current one by default). */
  readonly cwd?: string;
  /** Time between SIGTERM and SIGKILL when a job is stopped, ms (default 5 000). */
  readonly killGraceMs?: number;
  /**
   * Told each job's process group id as it starts, and again once the group's leader has exited. The
   * job's command waits until `onGroupStarted` has returned (it starts held, see above).
   */
  readonly onGroupStarted?: (pgid: number, command: string) => void;
  readonly onGroupEnded?: (pgid: number) => void;
  /**
   * A deliberately broken executor for `simrun real job-runner --mutant stop-leaves-group`: stopping
   * a job signals only the shell, so whatever it started runs on after the job is `stopped`.
   */
  readonly signalLeaderOnly?: boolean;
}

/** Why `/bin/sh -c command` cannot be started, or `undefined` when it can. */
export function refuseShellCommand(command: string): string | undefined {
  if (command.trim() === '') return 'the command is empty';
  if (command.includes('\0')) return 'the command contains a NUL byte, which no process argument can hold';
  const bytes = Buffer.byteLength(command);
  if (bytes > MAX_COMMAND_BYTES) return `the command is ${bytes} bytes long; the longest the kernel starts is ${MAX_COMMAND_BYTES}`;
  return undefined;
}

/** What a held shell runs until it is released: `$1` is the job's command. */
const HOLD_SCRIPT = 'IFS= read -r go && [ "$go" = go ] && exec /bin/sh -c "$1"; exit 125';

export function createShellExecutor(options: ShellExecutorOptions = {}): Executor {
  const killGraceMs = options.killGraceMs ?? 5_000;
  return {
    refuse: refuseShellCommand,
    start(request: ExecutionRequest): Execution {
      // Held by the caller (who releases it), or until the group is recorded (released below).
      const heldUntilRecorded = request.held !== true && options.onGroupStarted !== undefined;
      const held = request.held === true || heldUntilRecorded;
      // Throws on a command that cannot be an argument (NUL) or is too long (E2BIG): the runner fails the job.
      const child = held
        ? spawn('/bin/sh', ['-c', HOLD_SCRIPT, '/bin/sh', request.command], { cwd: options.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn('/bin/sh', ['-c', request.command], { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      // A held shell killed before its release has closed the pipe: the write then fails, and nothing needs it.
      child.stdin?.on('error', () => undefined);
      let released = !held;
      const capture = (stream: 'stdout' | 'stderr', from: NodeJS.ReadableStream): void => {
        // Text for readers that want text, decoded per stream so a character split across reads stays whole;
        // the bytes themselves travel untouched.
        const decoder = new StringDecoder('utf8');
        from.on('data', (bytes: Buffer) => request.onOutput({ stream, text: decoder.write(bytes), bytes }));
        from.on('end', () => {
          const rest = decoder.end();
          if (rest !== '') request.onOutput({ stream, text: rest, bytes: new Uint8Array(0) });
        });
      };
      capture('stdout', child.stdout);
      capture('stderr', child.stderr);
      const pgid = child.pid;
      if (pgid !== undefined) options.onGroupStarted?.(pgid, request.command);
      let ended = false;
      const release = (): void => {
        if (released || ended) return;
        released = true;
        child.stdin?.end('go\n');
      };
      if (heldUntilRecorded) release();
      const exited = new Promise<ExitStatus>((resolve) => {
        // 'close' comes after both pipes have closed, so every chunk of output was delivered first.
        child.on('close', (code, signal) => {
          ended = true;
          if (pgid !== undefined) options.onGroupEnded?.(pgid);
          resolve({ code, signal });
        });
        child.on('error', (error) => {
          ended = true;
          if (pgid !== undefined) options.onGroupEnded?.(pgid);
          resolve({ code: null, signal: null, error: error.message });
        });
      });
      const signalGroup = (signal: NodeJS.Signals): void => {
        if (pgid === undefined || ended) return;
        try {
          process.kill(options.signalLeaderOnly === true ? pgid : -pgid, signal);
        } catch {
          // The group is already gone.
        }
      };
      return {
        id: String(pgid ?? 'unstarted'),
        exited,
        kill(force) {
          if (force === true) return signalGroup('SIGKILL');
          signalGroup('SIGTERM');
          setTimeout(() => signalGroup('SIGKILL'), killGraceMs).unref();
        },
        release,
      };
    },
  };
}
