/**
 * The checks every real-mode command makes on the paths a user names, each failing as one
 * `InputError` line that names the flag, so a typo never surfaces as a stack trace or a hang.
 */
import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../../env/errors.js';
import { errorCode } from '../../env/fs.js';

/** Fails unless `dir` is an existing directory; `what` names where it came from (`--dir`, `--lock sqlite:x.db`). */
export async function requireDirectory(dir: string, what: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') throw new InputError(`${what}: directory ${dir} does not exist (create it first)`);
    throw new InputError(`${what}: cannot use directory ${dir}: ${code ?? String(error)}`);
  }
  if (!isDirectory) throw new InputError(`${what}: ${dir} is not a directory`);
}

/** A text file the user named; `what` says which (`the plan file`, `the CA certificate`). */
export async function readInputFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${what} ${path}: ${errorCode(error) ?? (error as Error).message}`);
  }
}
