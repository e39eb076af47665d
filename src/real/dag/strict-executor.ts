/**
 * The success rule for real jobs. A job's shell exiting 0 is not enough:
 *
 * 1. with the pipeline's `errexit: true`, the command runs under errexit (`set -e` before it): the
 *    first command that fails ends the shell with that command's status, so `false; echo done`
 *    fails instead of succeeding because its last command did. Opt-in, because errexit changes
 *    what ordinary shell means (`n=$(grep -c x f)` ends the shell when nothing matches). (POSIX `sh`
 *    has no `pipefail`: a failure on the left of a pipe is not seen; a job that needs it runs
 *    `bash -o pipefail -c …` itself.)
 * 2. a child the job put in the background and `wait`ed for fails the job with its status
 *    (`slow & pid=$!; …; wait $pid` under errexit).
 * 3. the shell exiting 0 while processes it started still run in its process group (a child it
 *    neither waited for nor ended) fails the attempt: those processes are killed, and their own
 *    exit status, whatever it was going to be, cannot make the job a success.
 */
import type { Execution, ExecutionRequest, Executor, ExitStatus } from '../../systems/job-runner/executor.js';
import { succeeded } from '../../systems/job-runner/executor.js';
import { groupAlive } from './process-groups.js';

/** What the rule prints on the job's stderr when it fails an attempt whose shell exited 0. */
export const LEFT_RUNNING_MESSAGE = 'simrun: the job exited 0 while processes it started were still running: they were killed and the attempt failed';

/** `command` as the strict executor runs it. */
export function errexitCommand(command: string): string {
  return `set -e\n${command}`;
}

export function strictExecutor(inner: Executor, options: { readonly errexit: boolean }): Executor {
  const command = (text: string): string => (options.errexit ? errexitCommand(text) : text);
  return {
    ...(inner.refuse === undefined ? {} : { refuse: (text: string) => inner.refuse?.(command(text)) }),
    start(request: ExecutionRequest): Execution {
      const execution = inner.start({ ...request, command: command(request.command) });
      const exited = execution.exited.then((status): ExitStatus => {
        const pgid = Number(execution.id);
        if (!succeeded(status) || !Number.isSafeInteger(pgid) || pgid <= 1 || !groupAlive(pgid)) return status;
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
        request.onOutput({ stream: 'stderr', text: `${LEFT_RUNNING_MESSAGE}\n` });
        return { code: 1, signal: null };
      });
      return { id: execution.id, exited, kill: (force) => execution.kill(force), release: () => execution.release?.() };
    },
  };
}
