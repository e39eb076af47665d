/**
 * A lifeline from a supervisor to the processes it starts: the child's standard input is a pipe whose
 * other end only the supervisor holds, and never writes. When the supervisor ends, in any way, a
 * SIGKILL included (which it cannot catch, so it cannot pass anything on), the kernel closes its end
 * and the child reads end-of-file: its cue to end too, rather than run on untracked with nobody to
 * collect its outcome or sweep after it. This needs nothing from the platform beyond pipes (no
 * process groups, no parent-death signal), so it works wherever Node runs.
 *
 * The child learns that it holds a lifeline from an environment variable the supervisor sets, so a
 * process started by hand (stdin a terminal, or closed) never mistakes its stdin for one.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** The variable that tells a started process its standard input is its supervisor's lifeline. */
export const LIFELINE_VARIABLE = 'SIMRUN_LIFELINE';

/** What `spawn` needs for a child on a lifeline: stdin a pipe, and the variable that says so. */
export function lifelineSpawnOptions(stdout: 'pipe' | 'inherit' | 'ignore' = 'pipe', stderr: 'pipe' | 'inherit' | 'ignore' = 'pipe'): Pick<SpawnOptions, 'stdio' | 'env'> {
  return { stdio: ['pipe', stdout, stderr], env: { ...process.env, [LIFELINE_VARIABLE]: 'stdin' } };
}

/**
 * In the supervisor, right after `spawn`: keeps the lifeline's end quiet (a write to a child that has
 * gone fails with EPIPE, which must not end the supervisor) and closes it once the child has exited.
 */
export function holdChildLifeline(child: ChildProcess): void {
  child.stdin?.on('error', () => undefined);
  child.on('exit', () => child.stdin?.destroy());
}

/**
 * In a started process: calls `onLost` once when the supervisor's end of the lifeline closes. Does
 * nothing in a process that was not started on a lifeline. The watch does not keep the process
 * alive: a job that is done still exits on its own. Returns a function that stops watching.
 */
export function watchLifeline(onLost: () => void): () => void {
  if (process.env[LIFELINE_VARIABLE] !== 'stdin') return () => undefined;
  // The lifeline is this process's alone: a process it starts has its own stdin.
  delete process.env[LIFELINE_VARIABLE];
  const stdin = process.stdin;
  let lost = false;
  const lose = (): void => {
    if (lost) return;
    lost = true;
    onLost();
  };
  stdin.on('end', lose);
  stdin.on('close', lose);
  stdin.on('error', lose);
  // Reading is what lets the end-of-file arrive; nothing is ever written, so nothing is consumed.
  stdin.on('data', () => undefined);
  stdin.resume();
  (stdin as { unref?: () => void }).unref?.();
  return () => {
    stdin.off('end', lose);
    stdin.off('close', lose);
    stdin.off('error', lose);
    stdin.pause();
  };
}
