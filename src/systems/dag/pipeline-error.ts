import { InputError } from '../../env/errors.js';

/**
 * A pipeline that cannot run: a syntax error, an unknown field, a missing dependency, a cycle.
 * Its message is one line naming the file, the line and the job; as an `InputError` it ends the CLI
 * with exit code 2.
 */
export class PipelineError extends InputError {
  override readonly name = 'PipelineError';

  constructor(
    message: string,
    /** The job the problem is in, when there is one. */
    readonly job?: string,
    /** 1-based line in the pipeline file, when known. */
    readonly line?: number,
  ) {
    super(message);
  }
}
