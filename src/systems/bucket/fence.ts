/**
 * The fence in front of the output store: it admits a worker's step on a file only if the worker's
 * fencing token is not older than one it already admitted for that file. A worker presents its
 * lease's token when it starts processing and again when it commits, so a worker that paused past
 * its lease cannot commit after a newer holder started: its old token is refused.
 *
 * Two fences: `resourceFence` over the lock package's `FencedResource` (one instance shared by every
 * simulated worker: the output database as a service), and `directoryFence` on a shared directory,
 * for worker processes on one machine or a shared filesystem.
 */
import { errorCode, type FsPromises } from '../../env/fs.js';
import type { FencedOperation, FencedResource } from '../../locks/fenced-resource.js';

export interface CommitFence {
  /** True if `token` is admitted for `file` (it is the highest seen so far, or equal to it). */
  admit(file: string, token: number, owner: string): Promise<boolean>;
}

/** A fence over a shared `FencedResource`: judging and logging happen in one step. */
export function resourceFence(resource: Pick<FencedResource, 'accept'>): CommitFence {
  return { admit: async (file, token, owner) => resource.accept(file, token, owner) };
}

/** What a directory fence may also do: report each verdict, or (a mutant) admit every token. */
export interface DirectoryFenceOptions {
  /** Called with each verdict as the resource's log would hold it (real mode traces it as `bucket.fence`). */
  readonly report?: (operation: FencedOperation) => void;
  /** The fence's clock for reported verdicts, ms. */
  readonly now?: () => number;
  /** The `no-fencing` mutant: every token is admitted, a stale one too. */
  readonly admitAll?: boolean;
}

/**
 * A fence on a directory, `DIR/<file>/<token>`: admitting creates the token's entry and then lists
 * the file's entries; the token is admitted when no higher one is there. A lower token that arrives
 * after a higher one sees it and is refused; two tokens that race both leave their entry before
 * listing, so at most the lower can be admitted first, never after the higher.
 */
export function directoryFence(fs: FsPromises, dir: string, options: DirectoryFenceOptions = {}): CommitFence {
  return {
    async admit(file, token, owner) {
      const fileDir = `${dir}/${file}`;
      await fs.mkdir(fileDir, { recursive: true });
      const entry = `${fileDir}/${String(token).padStart(12, '0')}`;
      try {
        await fs.writeFile(entry, owner + '\n', { flag: 'wx' });
      } catch (error) {
        // The same token came back (one holder, two steps): its entry is already there.
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      const tokens = (await fs.readdir(fileDir)).map(Number).filter(Number.isSafeInteger);
      const admitted = options.admitAll === true || token >= Math.max(...tokens);
      if (options.report !== undefined) {
        // Every verdict is an instant on the fence's clock; entries of refused tokens are lower, so
        // the highest entry is the highest token the fence let through.
        const at = options.now?.() ?? 0;
        const highestBefore = Math.max(0, ...tokens.filter((other) => other !== token));
        options.report({ key: file, token, owner, outcome: admitted ? 'accepted' : 'refused', highestBefore, startSeq: at, endSeq: at, startMs: at, endMs: at });
      }
      return admitted;
    },
  };
}

/** A resource that judges tokens and keeps a log of its verdicts (`FencedResource`, or a mutant of it). */
export interface JudgingResource {
  accept(key: string, token: number, owner?: string): boolean;
  readonly log: readonly FencedOperation[];
}

/**
 * `resourceFence` that also reports each verdict the moment it is made (in simulation: into the
 * trace as `bucket.fence`, the resource's own log, which the mutual-exclusion checker reads).
 */
export function tracedFence(resource: JudgingResource, report: (operation: FencedOperation) => void): CommitFence {
  return {
    async admit(file, token, owner) {
      const admitted = resource.accept(file, token, owner);
      const operation = resource.log[resource.log.length - 1];
      if (operation !== undefined) report(operation);
      return admitted;
    },
  };
}
