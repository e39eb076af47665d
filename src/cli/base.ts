/**
 * What every simrun command shares: bad input ends as one clear line and exit 2, a harness failure
 * as exit 3, never a stack trace (set SIMRUN_DEBUG=1 to see one).
 */
import { Command } from '@oclif/core';

/** Exit codes, the same for every command. */
export const EXIT = { passed: 0, violated: 1, input: 2, harness: 3 } as const;

/** Error classes (by name) that mean the user's input was wrong, not simrun. */
const INPUT_ERRORS = new Set(['InputError', 'PlanError', 'LockConfigError', 'LockUnavailableError', 'PipelineError', 'UsageError']);

export abstract class SimrunCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error.oclif?.exit !== undefined) return super.catch(error);
    if (process.env.SIMRUN_DEBUG) this.logToStderr(error.stack ?? String(error));
    if (INPUT_ERRORS.has(error.name)) {
      this.logToStderr(`simrun: ${error.message}`);
      return this.exit(EXIT.input);
    }
    if (error.name === 'HarnessError' || Object.getPrototypeOf(error)?.name === 'HarnessError') {
      this.logToStderr(`simrun: harness error: ${error.message}`);
      return this.exit(EXIT.harness);
    }
    this.logToStderr(`simrun: internal error: ${error.message} (SIMRUN_DEBUG=1 shows the stack)`);
    return this.exit(EXIT.harness);
  }
}
