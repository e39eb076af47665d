/**
 * The jobs server's `JobStore`: SQLite (better-sqlite3) in the state directory, `jobs.db`. One row
 * per job (its status as JSON, in the order jobs were queued), and the in-memory part of each job's
 * output, one row per piece with its stream; the rest of the output stays in the spill files
 * (`spilling-output.ts`). Every save is one synchronous statement, so a server killed at any moment
 * leaves every change it made before that moment on disk (WAL, synchronous NORMAL: a power loss may
 * cost the last changes, a process crash none). Ended jobs are deleted after the runner's
 * `keepEndedMs` (`prune`), so the file does not grow for ever.
 */
import Database from 'better-sqlite3';
import { InputError } from '../../env/errors.js';
import type { JobStatus } from '../../systems/job-runner/job-runner.js';
import type { JobStore } from '../../systems/job-runner/job-store.js';
import type { KeptBytes } from './spilling-output.js';

interface StatusRow {
  readonly status: string;
}

interface OutputRow {
  readonly stream: string;
  readonly bytes: Buffer;
}

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly statements;
  /** Set by `close`: a job that still ends afterwards (a shutdown cut short) is not recorded, rather than throwing. */
  private closed = false;

  /** Opens (creating when missing) the database at `path`; an unusable file is an `InputError`. */
  constructor(path: string) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS jobs (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          owner TEXT,
          status TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, seq);
        CREATE TABLE IF NOT EXISTS job_output (
          job TEXT NOT NULL,
          piece INTEGER NOT NULL,
          stream TEXT NOT NULL,
          bytes BLOB NOT NULL,
          PRIMARY KEY (job, piece)
        );`);
    } catch (error) {
      throw new InputError(`--state-dir: cannot use the job database ${path}: ${(error as Error).message}`);
    }
    this.statements = {
      upsert: this.db.prepare('INSERT INTO jobs (id, owner, status) VALUES (@id, @owner, @status) ON CONFLICT (id) DO UPDATE SET status = excluded.status'),
      all: this.db.prepare<[], StatusRow>('SELECT status FROM jobs ORDER BY seq'),
      byOwner: this.db.prepare<[string], StatusRow>('SELECT status FROM jobs WHERE owner = ? ORDER BY seq'),
      one: this.db.prepare<[string], StatusRow>('SELECT status FROM jobs WHERE id = ?'),
      keep: this.db.prepare('INSERT INTO job_output (job, piece, stream, bytes) VALUES (?, (SELECT COUNT(*) FROM job_output WHERE job = ?), ?, ?)'),
      output: this.db.prepare<[string], OutputRow>('SELECT stream, bytes FROM job_output WHERE job = ? ORDER BY piece'),
      forgetJob: this.db.prepare<[string]>('DELETE FROM jobs WHERE id = ?'),
      forgetOutput: this.db.prepare<[string]>('DELETE FROM job_output WHERE job = ?'),
    };
  }

  load(): JobStatus[] {
    return this.statements.all.all().map(parse);
  }

  save(status: JobStatus): void {
    if (this.closed) return;
    this.statements.upsert.run({ id: status.id, owner: status.owner ?? null, status: JSON.stringify(status) });
  }

  get(id: string): JobStatus | undefined {
    const row = this.statements.one.get(id);
    return row === undefined ? undefined : parse(row);
  }

  list(owner?: string): JobStatus[] {
    return (owner === undefined ? this.statements.all.all() : this.statements.byOwner.all(owner)).map(parse);
  }

  /** Keeps a piece of a job's in-memory output (`SpillingOutput`'s `onKeep`). */
  keepOutput(id: string, kept: KeptBytes): void {
    if (this.closed) return;
    this.statements.keep.run(id, id, kept.stream, Buffer.from(kept.bytes.buffer, kept.bytes.byteOffset, kept.bytes.byteLength));
  }

  /** The in-memory part of a job's output as kept, in order. */
  keptOutput(id: string): KeptBytes[] {
    return this.statements.output.all(id).map((row) => ({ stream: row.stream === 'stderr' ? 'stderr' : 'stdout', bytes: row.bytes }));
  }

  /** Deletes the jobs `ids` and their kept output, in one transaction (the runner's `keepEndedMs`). */
  prune(ids: readonly string[]): void {
    if (this.closed) return;
    this.db.transaction(() => {
      for (const id of ids) {
        this.statements.forgetJob.run(id);
        this.statements.forgetOutput.run(id);
      }
    })();
  }

  close(): void {
    this.closed = true;
    this.db.close();
  }
}

function parse(row: StatusRow): JobStatus {
  return JSON.parse(row.status) as JobStatus;
}
