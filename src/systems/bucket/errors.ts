/** Errors of the bucket system's real mode. */
import { InputError } from '../../env/errors.js';

/** The user's input cannot work (a missing directory, a malformed schedule): the CLI's exit code 2. */
export class BucketInputError extends InputError {
  override readonly name = 'BucketInputError';
}
