/** Errors of the bucket system's real mode. */

/** The user's input cannot work (a missing directory, a malformed schedule): the CLI's exit code 2. */
export class BucketInputError extends Error {
  // The CLI maps errors named `InputError` to exit code 2, whatever layer they come from.
  override readonly name = 'InputError';
}
