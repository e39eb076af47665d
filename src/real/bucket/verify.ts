/**
 * `simrun bucket verify`'s reading half: the bucket directory as the run left it and each worker's
 * captured output, handed to the pure judge in `check/bucket/verify-directory.ts`.
 */
import * as nodeFs from 'node:fs/promises';
import type { FsPromises } from '../../env/fs.js';
import { judgeBucketRun, type BucketVerdict } from '../../check/bucket/verify-directory.js';
import { readBucketVolume } from '../../check/bucket/volume.js';
import { readInputFile, requireDirectory } from '../common/files.js';

export interface VerifyBucketOptions {
  readonly dir: string;
  /** Captured output of each worker (and optionally the provider), one file per process. */
  readonly logs?: readonly string[];
}

export async function verifyBucket(options: VerifyBucketOptions): Promise<BucketVerdict> {
  await requireDirectory(options.dir, '--dir');
  const volume = await readBucketVolume(nodeFs as unknown as FsPromises, options.dir.replace(/\/+$/, ''));
  const logs = await Promise.all((options.logs ?? []).map(async (path) => ({ path, text: await readInputFile(path, 'the log') })));
  return judgeBucketRun({ dir: options.dir, volume, logs });
}
