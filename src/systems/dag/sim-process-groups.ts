/**
 * Simulated jobs as the operating system runs them: each execution in its own process group, which
 * does not die with the runner that started it. The executions run in a simulated process of their
 * own (the scenario spawns it with `main` and never crashes it, as nothing crashes the kernel), so
 * crashing the runner leaves them running to their end; only a kill reaches them: the runner's own
 * (`Execution.kill`, SIGTERM to the group) or a later runner's reaper (SIGKILL to the group).
 *
 * A held start (`ExecutionRequest.held`) runs nothing until the runner releases it, and never runs
 * its command if that runner dies first, as the real held shell reads end of input from its pipe.
 *
 * What a job tells its runner (each chunk of output, its exit) reaches the runner through the
 * runner's own `Env`, as a wake-up of that process: a paused runner hears it late, a crashed one
 * never, just as a dead process reads nothing from its pipes.
 */
import type { Env } from '../../env/env.js';
import type { Execution, ExecutionRequest, Executor, ExitStatus } from '../job-runner/executor.js';
import { createSimExecutor, type SimExecutionRegistry, type SimJobBehaviour } from '../job-runner/sim-executor.js';
import type { OrphanReaper } from './orphans.js';

export class SimProcessGroups {
  private host: Env | undefined;
  private readonly exits = new Map<string, Promise<ExitStatus>>();

  constructor(
    private readonly registry: SimExecutionRegistry,
    private readonly behaviourOf: (command: string) => SimJobBehaviour,
    /**
     * Runs a handler once the process `id` has ended (`World.whenEnded`): a held job's pipe closes
     * when the runner that started it dies. Absent: runners never die (a held job waits for its release).
     */
    private readonly whenEnded?: (id: string, handler: () => void) => void,
  ) {}

  /** The main of the process the executions run in: it only lends them its `Env`, and never ends. */
  readonly main = (env: Env): Promise<void> => {
    this.host = env;
    return new Promise<void>(() => undefined);
  };

  /** An executor for the runner on `runner`: its jobs run here, their output and exit reach it as its own wake-ups. */
  executorFor(runner: Env): Executor {
    return {
      start: (request: ExecutionRequest): Execution => {
        if (this.host === undefined) throw new Error('the process the jobs run in has not started');
        const whenEnded = this.whenEnded;
        const inner = createSimExecutor(this.host, this.registry, this.behaviourOf).start({
          command: request.command,
          onOutput: (chunk) => void runner.sleep(0).then(() => request.onOutput(chunk)),
          ...(request.held === true ? { held: true, ...(whenEnded === undefined ? {} : { whenStarterEnds: (handler: () => void) => whenEnded(runner.id, handler) }) } : {}),
        });
        this.exits.set(inner.id, inner.exited);
        const exited = inner.exited.then(async (status) => {
          this.exits.delete(inner.id);
          await runner.sleep(0);
          return status;
        });
        return { id: inner.id, exited, kill: inner.kill, ...(inner.release === undefined ? {} : { release: inner.release }) };
      },
    };
  }

  /** A reaper for the runner on `runner`: SIGKILL to the recorded group, then wait (as that runner) until it is gone. */
  reaperFor(runner: Env): OrphanReaper {
    return {
      reap: async ({ execution }) => {
        const exited = this.exits.get(execution);
        if (exited === undefined || !this.registry.crash(execution)) return 'not-running';
        await exited;
        await runner.sleep(0);
        return 'ended';
      },
    };
  }
}
