import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the compiled CLI as a separate OS process (the global setup `test/setup/fresh-build.ts` keeps `dist/` current). */
export function simrun(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
  const result = spawnSync(process.execPath, [`${ROOT}bin/run.js`, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    // vitest sets NODE_ENV=test, which sends oclif looking for TypeScript sources; run as users do.
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `simrun` without blocking the test's thread: for runs that mostly wait (on locks, leases, real jobs), several at once. */
export function simrunAsync(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NODE_ENV: 'production', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Stack traces print lines like `    at foo (file.js:1:2)`. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}
