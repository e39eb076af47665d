/** The final state of a bucket directory, read once for the checkers. */
import { errorCode, type FsPromises } from '../../env/fs.js';

export interface BucketVolume {
  /** Inputs still waiting (well-formed names only). */
  readonly inbox: ReadonlySet<string>;
  readonly processed: ReadonlySet<string>;
  readonly rejected: ReadonlySet<string>;
  /** Inputs a mutant claimed by copying them aside. */
  readonly claimed: ReadonlySet<string>;
  /** Committed outputs by input name (`X.tsv` → `X.txt`), temporaries excluded. */
  readonly outputs: ReadonlySet<string>;
  readText(path: string): Promise<string>;
  readonly dir: string;
}

const INPUT = /^\d{4}_\d{2}_\d{2}_\d{2}_\d{2}\.txt$/;

export async function readBucketVolume(fs: FsPromises, dir: string): Promise<BucketVolume> {
  const list = async (path: string): Promise<string[]> => {
    try {
      return await fs.readdir(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  };
  const inputs = (names: string[]): Set<string> => new Set(names.filter((name) => INPUT.test(name)));
  return {
    dir,
    inbox: inputs(await list(dir)),
    processed: inputs(await list(`${dir}/processed`)),
    rejected: inputs(await list(`${dir}/rejected`)),
    claimed: inputs(await list(`${dir}/claimed`)),
    outputs: new Set((await list(`${dir}/output`)).filter((name) => !name.startsWith('.') && name.endsWith('.tsv')).map((name) => name.replace(/\.tsv$/, '.txt'))),
    readText: (path) => fs.readFile(path, 'utf8'),
  };
}
