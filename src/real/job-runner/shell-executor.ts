/**
 * The real `Executor`: each job is `/bin/sh -c COMMAND` in its own process group (detached), with
 * stdout and stderr captured as they come. Stopping a job signals the whole group, so whatever the
 * command started goes too: SIGTERM first, SIGKILL if the group is still there after a grace period.
 */
import { spawn } from 'node:child_process';
import type { Execution, ExecutionRequest, Executor, ExitStatus } from '../../systems/job-runner/executor.js';

export interface ShellExecutorOptions {
  /** Working directory of the jobs (the current one by default). */
  readonly cwd?: string;
  /** Time between SIGTERM and SIGKILL when a job is stopped, ms (default 5 000). */
  readonly killGraceMs?: number;
}

export function createShellExecutor(options: ShellExecutorOptions = {}): Executor {
  const killGraceMs = options.killGraceMs ?? 5_000;
  return {
    start(request: ExecutionRequest): Execution {
      const child = spawn('/bin/sh', ['-c', request.command], { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (text: string) => request.onOutput({ stream: 'stdout', text }));
      child.stderr.on('data', (text: string) => request.onOutput({ stream: 'stderr', text }));
      let ended = false;
      const exited = new Promise<ExitStatus>((resolve) => {
        // 'close' comes after both pipes have closed, so every chunk of output was delivered first.
        child.on('close', (code, signal) => {
          ended = true;
          resolve({ code, signal });
        });
        child.on('error', (error) => {
          ended = true;
          request.onOutput({ stream: 'stderr', text: `cannot start the job: ${error.message}\n` });
          resolve({ code: 127, signal: null });
        });
      });
      const signalGroup = (signal: NodeJS.Signals): void => {
        if (child.pid === undefined || ended) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // The group is already gone.
        }
      };
      return {
        id: String(child.pid ?? 'unstarted'),
        exited,
        kill() {
          signalGroup('SIGTERM');
          setTimeout(() => signalGroup('SIGKILL'), killGraceMs).unref();
        },
      };
    },
  };
}
