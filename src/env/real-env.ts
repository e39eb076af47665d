/**
 * The production `Env`: Node's clock, timers, randomness and disk. Systems run on it unchanged
 * in real mode: the code you ship is the code you simulate.
 */
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
}

export function realEnv(id: string, options: RealEnvOptions = {}): Env {
  const logLine = options.logLine ?? ((line: string) => process.stderr.write(line + '\n'));
  const printLine = options.printLine ?? ((line: string) => process.stdout.write(line + '\n'));
  return {
    id,
    fs: nodeFs as unknown as FsPromises,
    now: () => Date.now(),
    random: options.random ?? Math.random,
    sleep: (ms, signal) => abortableSleep(ms, signal),
    log(kind: string, data?: LogData): void {
      logLine(JSON.stringify(data === undefined ? { t: new Date().toISOString(), pid: id, kind } : { t: new Date().toISOString(), pid: id, kind, data }));
    },
    print(line: string): void {
      printLine(line);
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
