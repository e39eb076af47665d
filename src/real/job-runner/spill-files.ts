/**
 * The jobs server's spill files, `STATE_DIR/output/ID.out` (both streams, as printed) with
 * `ID.out.stdout` and `ID.out.stderr` (each alone): where each job's output past its in-memory part
 * goes (`spilling-output.ts`). The runner deletes a job's files with its record (`JobOutputFiles`):
 * when the record is pruned, and, when a server opens, those of jobs `jobs.db` no longer has.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputView } from '../../systems/job-runner/job-output.js';
import type { JobOutputFiles } from '../../systems/job-runner/output-files.js';
import { spillPath } from './spilling-output.js';

const VIEWS: readonly OutputView[] = ['merged', 'stdout', 'stderr'];

/** `ID.out`, `ID.out.stdout`, `ID.out.stderr` → ID. */
const SPILL_FILE = /^(.+)\.out(?:\.stdout|\.stderr)?$/;

export class SpillFiles implements JobOutputFiles {
  constructor(readonly dir: string) {}

  /** Job `id`'s merged spill file; each stream's is this path plus `.stdout` or `.stderr`. */
  pathOf(id: string): string {
    return join(this.dir, `${id}.out`);
  }

  jobsWithFiles(): string[] {
    const ids = new Set<string>();
    for (const name of readdirSync(this.dir)) {
      const id = SPILL_FILE.exec(name)?.[1];
      if (id !== undefined) ids.add(id);
    }
    return [...ids];
  }

  discard(id: string): void {
    for (const view of VIEWS) rmSync(spillPath(this.pathOf(id), view), { force: true });
  }
}
