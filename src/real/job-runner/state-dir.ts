/**
 * The jobs server's state directory:
 *
 * - `server.lock`: the lease of the server serving it (`{ pid }`), created exclusively; a second
 *   server finds it held by a live process and refuses. A lease whose process is gone (a server
 *   killed with SIGKILL) is stale and taken over.
 * - `groups/PGID.json`: one record per executing job's process group, written when the job starts
 *   and removed when it ends. A server that dies without stopping its jobs leaves them behind: the
 *   next server to take the lease kills each recorded group (SIGKILL) before it serves, so no job of
 *   a dead server runs on untracked.
 * - `output/`: spill files of the jobs (their output past the in-memory part), kept with the job
 *   database `jobs.db` (`sqlite-job-store.ts`): a job's output outlives its server.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../env/errors.js';
import { errorCode } from '../../env/fs.js';

/** A process group a previous server left running, and what became of it. */
export interface OrphanGroup {
  readonly pgid: number;
  readonly job?: string;
  readonly command?: string;
  /** `killed`: it was running and got SIGKILL; `gone`: it had already ended. */
  readonly outcome: 'killed' | 'gone';
}

export class JobsStateDir {
  readonly outputDir: string;
  private readonly groupsDir: string;
  private readonly leasePath: string;
  private leased = false;

  constructor(readonly dir: string) {
    this.outputDir = join(dir, 'output');
    this.groupsDir = join(dir, 'groups');
    this.leasePath = join(dir, 'server.lock');
  }

  /** Takes the lease, or throws an `InputError` naming the live server that holds it. */
  takeLease(): void {
    try {
      mkdirSync(this.groupsDir, { recursive: true });
      mkdirSync(this.outputDir, { recursive: true });
    } catch (error) {
      throw new InputError(`--state-dir: cannot use ${this.dir}: ${errorCode(error) ?? (error as Error).message}`);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.leasePath, JSON.stringify({ pid: process.pid }) + '\n', { flag: 'wx' });
        this.leased = true;
        return;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw new InputError(`--state-dir: cannot write ${this.leasePath}: ${errorCode(error) ?? (error as Error).message}`);
      }
      const holder = this.leaseHolder();
      if (holder !== undefined && processAlive(holder)) throw new InputError(`another jobs server (pid ${holder}) is serving state directory ${this.dir}`);
      // Stale: its server died without releasing it.
      rmSync(this.leasePath, { force: true });
    }
    throw new InputError(`another jobs server is taking state directory ${this.dir} at this moment`);
  }

  /** Gives the lease back, if this process holds it. */
  releaseLease(): void {
    if (!this.leased) return;
    this.leased = false;
    if (this.leaseHolder() === process.pid) rmSync(this.leasePath, { force: true });
  }

  /** Kills (SIGKILL) every process group a previous server recorded, and forgets the records. */
  killOrphans(): OrphanGroup[] {
    const orphans: OrphanGroup[] = [];
    for (const name of readdirSync(this.groupsDir)) {
      const path = join(this.groupsDir, name);
      const pgid = Number(name.replace(/\.json$/, ''));
      let record: { job?: string; command?: string } = {};
      try {
        record = JSON.parse(readFileSync(path, 'utf8')) as typeof record;
      } catch {
        // A record cut short by the crash still names its group in its file name.
      }
      if (Number.isSafeInteger(pgid) && pgid > 1) {
        let outcome: OrphanGroup['outcome'] = 'killed';
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          outcome = 'gone';
        }
        orphans.push({ pgid, ...(record.job === undefined ? {} : { job: record.job }), ...(record.command === undefined ? {} : { command: record.command }), outcome });
      }
      rmSync(path, { force: true });
    }
    return orphans;
  }

  recordGroup(pgid: number, details: { readonly job?: string; readonly command: string }): void {
    writeFileSync(join(this.groupsDir, `${pgid}.json`), JSON.stringify({ pgid, ...details }) + '\n');
  }

  forgetGroup(pgid: number): void {
    try {
      unlinkSync(join(this.groupsDir, `${pgid}.json`));
    } catch {
      // Already forgotten.
    }
  }

  private leaseHolder(): number | undefined {
    try {
      const pid = (JSON.parse(readFileSync(this.leasePath, 'utf8')) as { pid?: unknown }).pid;
      return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}
