/**
 * `simrun jobs verify`'s reading half: a client's output file, and whether a crashed job's undo
 * journal still sits next to it; the judging is `check/client-jobs/output-format.ts`'s.
 */
import { access } from 'node:fs/promises';
import { judgeClientOutput } from '../../check/client-jobs/output-format.js';
import { journalPath } from '../../systems/client-jobs/index.js';
import { readInputFile } from '../common/files.js';

export interface ClientOutputVerdict {
  readonly path: string;
  readonly wellFormed: boolean;
  readonly wholeTexts: number;
  readonly problem?: string;
  /** A crashed job's journal is still next to the output: its partial text awaits rollback. */
  readonly pendingRecovery: boolean;
  /** Where that journal is. */
  readonly journal: string;
}

export async function verifyClientOutput(path: string): Promise<ClientOutputVerdict> {
  const verdict = judgeClientOutput(await readInputFile(path, 'the output file'));
  const journal = journalPath(path);
  const pendingRecovery = await access(journal).then(() => true, () => false);
  return {
    path,
    wellFormed: verdict.status === 'well-formed',
    wholeTexts: verdict.wholeTexts,
    ...(verdict.status === 'malformed' ? { problem: verdict.problem } : {}),
    pendingRecovery,
    journal,
  };
}
