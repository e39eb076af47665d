/**
 * The production `Env`: Node's clock, timers, randomness and disk. Systems run on it unchanged
 * in real mode: the code you ship is the code you simulate.
 */
import * as nodeFs from 'node:fs/promises';
import type { Env, LogData } from './env.js';
import type { FsPromises } from './fs.js';

export interface RealEnvOptions {
  /** Where structured log lines go (JSON, one per line); standard error by default. */
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
      logLine(JSON.stringify({ t: new Date().toISOString(), pid: id, kind, ...data }));
    },
    print(line: string): void {
      printLine(line);
    },
  };
}

/** Node fires a timer longer than 2^31 − 1 ms at once (with a warning); longer sleeps go in steps. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    let left = Math.max(0, ms);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const step = (): void => {
      const wait = Math.min(left, LONGEST_TIMER_MS);
      left -= wait;
      timer = setTimeout(() => {
        if (left > 0) return step();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
    };
    step();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
