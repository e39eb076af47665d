/**
 * Keeps a crashed job's partial text out of the output: an undo journal.
 *
 * Before its first part, a job records the output's length in a journal file next to it
 * (`<out>.pending`, written to a temporary file and renamed into place, so it is always whole). The
 * job's commit point is deleting the journal. Whoever holds the client's lock next (the next job, or
 * the crashed job's own error handler) finds a journal and truncates the output back to the recorded
 * length before doing anything else; the truncation is itself a temporary file renamed over the
 * output, so it is atomic, and the journal is deleted only after it. Every step is idempotent, so a
 * crash at any point, of the job or of the whole process, at most leaves a journal that the next
 * holder rolls back. (Truncating, rather than staging the parts elsewhere, keeps the parts going to
 * the output itself: that is what the seed's workers do, and what the lock has to protect.)
 *
 * Lengths are counted in UTF-16 code units of the file read as UTF-8; the texts are ASCII. Renames
 * are atomic on POSIX, but nothing here calls fsync: the journal survives process crashes, not power
 * loss.
 */
import { errorCode, type Env } from '../../env/index.js';
import { emitClientJob } from './events.js';

/** How a job keeps its partial text out of the output. Every method runs under the client's lock. */
export interface OutputGuard {
  /** Rolls back whatever a crashed predecessor left, then records where this job's text starts. */
  begin(): Promise<void>;
  /** Makes this job's text permanent. */
  commit(): Promise<void>;
  /** Removes this job's partial text after it crashed. */
  abort(): Promise<void>;
}

interface JournalEntry {
  /** The job that wrote it (its `Env.id`), for the log. */
  readonly owner: string;
  /** The output's length before that job's first part. */
  readonly lengthBefore: number;
}

/** The journal file of `outputPath`. */
export function journalPath(outputPath: string): string {
  return `${outputPath}.pending`;
}

/** An undo-journal guard over `outputPath`. */
export function journalGuard(env: Env, outputPath: string): OutputGuard {
  const journal = journalPath(outputPath);
  return {
    begin: async () => {
      await recoverOutput(env, outputPath);
      const entry: JournalEntry = { owner: env.id, lengthBefore: (await readOrEmpty(env, outputPath)).length };
      await replaceFile(env, journal, JSON.stringify(entry));
    },
    commit: () => env.fs.unlink(journal),
    abort: async () => {
      await recoverOutput(env, outputPath);
    },
  };
}

/**
 * Rolls the output back to the length its journal recorded, if a journal is there; call it with the
 * client's lock held. Returns how many characters it removed (0 when there was nothing to undo).
 */
export async function recoverOutput(env: Env, outputPath: string): Promise<number> {
  const journal = journalPath(outputPath);
  let entry: JournalEntry;
  try {
    entry = parseJournal(await env.fs.readFile(journal, 'utf8'), journal);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 0;
    throw error;
  }
  const content = await readOrEmpty(env, outputPath);
  const removed = Math.max(0, content.length - entry.lengthBefore);
  if (removed > 0) await replaceFile(env, outputPath, content.slice(0, entry.lengthBefore));
  await env.fs.unlink(journal);
  emitClientJob(env, { kind: 'client-job.recovered', data: { output: outputPath, crashedJob: entry.owner, removedChars: removed } });
  return removed;
}

/** A guard that does nothing: a crash leaves its partial text (the `partial-text-kept` mutant). */
export const noGuard: OutputGuard = { begin: async () => {}, commit: async () => {}, abort: async () => {} };

async function readOrEmpty(env: Env, path: string): Promise<string> {
  try {
    return await env.fs.readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return '';
    throw error;
  }
}

/**
 * Writes `content` to a temporary file and renames it over `path`: readers see old or new, never half.
 * The temporary name is the writer's own, so two writers never rename each other's half-written file.
 */
async function replaceFile(env: Env, path: string, content: string): Promise<void> {
  const temp = `${path}.${env.id.replace(/[^A-Za-z0-9_-]/g, '_')}.tmp`;
  await env.fs.writeFile(temp, content);
  await env.fs.rename(temp, path);
}

function parseJournal(text: string, path: string): JournalEntry {
  const value = JSON.parse(text) as Partial<JournalEntry> | null;
  if (value === null || typeof value !== 'object' || typeof value.lengthBefore !== 'number' || typeof value.owner !== 'string') {
    throw new Error(`${path}: not a client-jobs journal: ${text.slice(0, 200)}`);
  }
  return value as JournalEntry;
}
