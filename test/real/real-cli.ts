/** Running the compiled CLI asynchronously, for tests of real campaigns (many seconds each). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../cli/helpers.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function simrunAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** What `simrun real SYSTEM --json` prints. */
export interface CampaignJson {
  readonly status: string;
  readonly runs: number;
  readonly nemesisActions: number;
  readonly actionsByKind: Record<string, number>;
  readonly counts: Record<string, number>;
  readonly runResults: Array<{ resultPath: string; violations: Array<{ invariant: string; message: string }> }>;
  readonly failure?: { violations: Array<{ invariant: string; message: string }> };
}
