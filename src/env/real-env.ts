/**
 * The production `Env`: Node's clock, timers, randomness and disk. Systems run on it unchanged
 * in real mode: the code you ship is the code you simulate.
 */
import { readFileSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import type { Env, LogData } from './env.js';
import type { FsPromises } from './fs.js';
import { MAX_TIMER_DELAY_MS } from './timer-limit.js';

export interface RealEnvOptions {
  /**
   * Where structured log lines go, standard error by default: one JSON object per line,
   * `{"t", "pid", "kind", "data"}`, the shape of a trace event. The data stays under its own key so
   * that none of its fields (a notification's own `kind`, a job's `pid`) can overwrite the line's.
   */
  readonly logLine?: (line: string) => void;
  /** Where printed lines go; standard output by default. */
  readonly printLine?: (line: string) => void;
  /** Random source; `Math.random` by default (pass a seeded one for reproducible real runs). */
  readonly random?: () => number;
  /** Where the clock's offset comes from; by default the process's environment (`clockOffsetFromEnv`). */
  readonly clockOffset?: () => number;
}

/** The offset, in ms, a process's clock starts with: `SIMRUN_CLOCK_OFFSET_MS=-1500` runs it 1.5 s behind. */
export const CLOCK_OFFSET_VARIABLE = 'SIMRUN_CLOCK_OFFSET_MS';
/**
 * A file holding the offset as a number of ms, read again at every clock reading, so the offset can
 * change while the process runs (`simrun real`'s `clock` nemesis writes it). A missing, empty or
 * unreadable file leaves the last offset in force.
 */
export const CLOCK_OFFSET_FILE_VARIABLE = 'SIMRUN_CLOCK_OFFSET_FILE';

/**
 * The clock offset the environment asks for: the file's when `SIMRUN_CLOCK_OFFSET_FILE` names one
 * that holds a number, else `SIMRUN_CLOCK_OFFSET_MS`, else 0. Only simrun's own real processes are
 * shifted: the offset moves what `env.now()` reads, never the log lines' times (the trace stays on
 * true time, and the skew is the checkers' to allow for).
 */
export function clockOffsetFromEnv(environment: NodeJS.ProcessEnv = process.env): () => number {
  const start = Number(environment[CLOCK_OFFSET_VARIABLE] ?? 0);
  let offset = Number.isFinite(start) ? start : 0;
  const file = environment[CLOCK_OFFSET_FILE_VARIABLE];
  if (file === undefined || file === '') return () => offset;
  return () => {
    try {
      const text = readFileSync(file, 'utf8').trim();
      const read = Number(text);
      if (text !== '' && Number.isFinite(read)) offset = read;
    } catch {
      // No file (yet): the offset stays as it was.
    }
    return offset;
  };
}

export function realEnv(id: string, options: RealEnvOptions = {}): Env {
  const logLine = options.logLine ?? ((line: string) => process.stderr.write(line + '\n'));
  const printLine = options.printLine ?? ((line: string) => process.stdout.write(line + '\n'));
  const clockOffset = options.clockOffset ?? clockOffsetFromEnv();
  return {
    id,
    fs: nodeFs as unknown as FsPromises,
    now: () => Date.now() + clockOffset(),
    random: options.random ?? Math.random,
    sleep: (ms, signal) => abortableSleep(ms, signal),
    log(kind: string, data?: LogData): void {
      logLine(JSON.stringify(data === undefined ? { t: new Date().toISOString(), pid: id, kind } : { t: new Date().toISOString(), pid: id, kind, data }));
    },
    print(line: string): void {
      printLine(line);
    },
    onStop(handler: () => void): () => void {
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
      return () => {
        process.off('SIGTERM', handler);
        process.off('SIGINT', handler);
      };
    },
  };
}

async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  // Node fires a longer timer after 1 ms: sleep a long wait in pieces it honours.
  for (; ms > MAX_TIMER_DELAY_MS; ms -= MAX_TIMER_DELAY_MS) await sleepWithinLimit(MAX_TIMER_DELAY_MS, signal);
  return sleepWithinLimit(ms, signal);
}

function sleepWithinLimit(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
