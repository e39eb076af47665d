/**
 * `simrun bucket verify`'s reading half: the bucket directory as the run left it and each worker's
 * captured output, handed to the pure judge in `check/bucket/verify-directory.ts`.
 */
import * as nodeFs from 'node:fs/promises';
import type { FsPromises } from '../../env/fs.js';
import { holdsProcessLogLines, judgeBucketRun, type BucketVerdict } from '../../check/bucket/verify-directory.js';
import { InputError } from '../../env/errors.js';
import { readBucketVolume } from '../../check/bucket/volume.js';
import type { EntryType } from '../../systems/bucket/layout.js';
import { readInputFile, requireDirectory } from '../common/files.js';

export interface VerifyBucketOptions {
  readonly dir: string;
  /** Captured output of each worker (and optionally the provider), one file per process. */
  readonly logs?: readonly string[];
}

/** What an entry is, by `lstat` (a link is a link, never its target) and whether it can be read. */
export async function entryType(path: string): Promise<EntryType> {
  const stats = await nodeFs.lstat(path);
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'directory';
  if (!stats.isFile()) return 'other';
  try {
    await nodeFs.access(path, nodeFs.constants.R_OK);
  } catch {
    return 'no-access';
  }
  return 'file';
}

export async function verifyBucket(options: VerifyBucketOptions): Promise<BucketVerdict> {
  await requireDirectory(options.dir, '--dir');
  const volume = await readBucketVolume(nodeFs as unknown as FsPromises, options.dir.replace(/\/+$/, ''), entryType);
  const logs = await Promise.all((options.logs ?? []).map(async (path) => ({ path, text: await readInputFile(path, 'the log') })));
  for (const log of logs) requireProcessLog(log.path, log.text);
  return judgeBucketRun({ dir: options.dir, volume, logs });
}

/**
 * A log with lines in it, none of them a simrun log line or statistics line, is not a worker's or
 * the provider's output: judged as one it would add no commits, and the check of outputs against
 * logged commits would pass unseen. An empty log is a worker's that found nothing to do.
 */
function requireProcessLog(path: string, text: string): void {
  if (text.trim() === '' || holdsProcessLogLines(text)) return;
  throw new InputError(`--logs: ${path} holds no simrun log lines: give each worker's captured output (simrun bucket worker ... >w1.log 2>&1)`);
}
