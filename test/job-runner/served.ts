/** `simrun jobs serve` started as an OS process for a test: its URL once it listens, and what it logged. */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from '../cli/helpers.js';

export interface Served {
  readonly child: ChildProcess;
  /** Resolves with the server's URL once it prints it; rejects if the server exits first. */
  readonly url: Promise<string>;
  /** Everything the server logged (stderr) so far. */
  readonly log: () => string;
}

/** Starts a server on `stateDir` with `tls` (its --cert, --key and --ca flags), on a free port. */
export function serveJobs(tls: readonly string[], stateDir: string, ...flags: string[]): Served {
  const child = spawn(process.execPath, [`${ROOT}bin/run.js`, 'jobs', 'serve', ...tls, '--port', '0', '--state-dir', stateDir, '--stop-timeout-ms', '4000', ...flags], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logged = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => (logged += text));
  const url = new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      seen += text;
      const match = /serving jobs on (https:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`jobs serve exited with ${code}: ${logged}`)));
  });
  return { child, url, log: () => logged };
}

/** The server's exit code, once it has exited. */
export const exitCodeOf = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
