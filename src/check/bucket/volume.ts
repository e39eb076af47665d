/** The final state of a bucket directory, read once for the checkers. */
import { errorCode, type FsPromises } from '../../env/fs.js';
import { classifyEntry, unreadableReason, type EntryType } from '../../systems/bucket/layout.js';

export interface BucketVolume {
  /** Inputs still waiting: what a worker counts as an input (`classifyEntry`), nothing else. */
  readonly inbox: ReadonlySet<string>;
  /** Input-named entries a worker skips (a directory, a symlink, a FIFO, no permission), with why. */
  readonly skipped: ReadonlyMap<string, string>;
  readonly processed: ReadonlySet<string>;
  readonly rejected: ReadonlySet<string>;
  /** Inputs a mutant claimed by copying them aside. */
  readonly claimed: ReadonlySet<string>;
  /** Committed outputs by input name (`X.tsv` → `X.txt`), temporaries excluded. */
  readonly outputs: ReadonlySet<string>;
  readText(path: string): Promise<string>;
  readonly dir: string;
}

/**
 * `typeOf` says what an entry of the bucket directory is without following links (real mode passes
 * `lstat`); without it every entry counts as a regular file, as the simulated volume only holds files
 * and directories the system made.
 */
export async function readBucketVolume(fs: FsPromises, dir: string, typeOf?: (path: string) => Promise<EntryType>): Promise<BucketVolume> {
  const list = async (path: string): Promise<string[]> => {
    try {
      return await fs.readdir(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  };
  const inputs = (names: string[]): Set<string> => new Set(names.filter((name) => classifyEntry(name) === 'input'));
  const inbox = new Set<string>();
  const skipped = new Map<string, string>();
  for (const name of inputs(await list(dir))) {
    const type = typeOf === undefined ? 'file' : await typeOf(`${dir}/${name}`);
    if (classifyEntry(name, type) === 'input') inbox.add(name);
    else skipped.set(name, unreadableReason(type));
  }
  return {
    dir,
    inbox,
    skipped,
    processed: inputs(await list(`${dir}/processed`)),
    rejected: inputs(await list(`${dir}/rejected`)),
    claimed: inputs(await list(`${dir}/claimed`)),
    outputs: new Set((await list(`${dir}/output`)).filter((name) => !name.startsWith('.') && name.endsWith('.tsv')).map((name) => name.replace(/\.tsv$/, '.txt'))),
    readText: (path) => fs.readFile(path, 'utf8'),
  };
}
