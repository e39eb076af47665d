/**
 * A supervisor's record of itself and the processes it started, in a file next to what they work on
 * (`<out>.run.json`), so that the next supervisor on the same output can tell a live run (refuse to
 * start: two runs would write over each other) from one that died without cleaning up, SIGKILL
 * included. For a dead one it ends every recorded process still running (the lifeline normally ends
 * them first; this covers one that did not read it, such as one stopped with SIGSTOP) and waits until
 * they are gone, so that the sweep that follows never races a process of the dead run.
 *
 * A pid alone can be reused by an unrelated process once its owner is gone, so each is recorded with
 * its start time (Linux: `/proc/<pid>/stat`, field 22, clock ticks since boot); a live pid with another
 * start time is another process and is left alone. Where `/proc` is missing the pid alone is used.
 */
import { readFileSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode } from '../../env/fs.js';
import { HarnessError, InputError } from '../../env/errors.js';

/** One recorded process. */
export interface RecordedProcess {
  readonly pid: number;
  /** Its start time as `/proc` gives it, or `undefined` where there is none. */
  readonly startedAt?: string;
}

interface RunRecordFile {
  readonly supervisor: RecordedProcess;
  readonly children: readonly RecordedProcess[];
}

/** What a new supervisor found and ended of a run that died. */
export interface PredecessorSwept {
  /** The dead supervisor's pid. */
  readonly supervisorPid: number;
  /** Its started processes that were still running and had to be ended here. */
  readonly childrenEnded: number;
}

/** The record file of `output`. */
export function runRecordPath(output: string): string {
  return `${output}.run.json`;
}

/** The start time of process `pid`, or `undefined` where `/proc` does not say (not Linux, or no such process). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process (or `pid`) as a record entry. */
export function recordedProcess(pid: number = process.pid): RecordedProcess {
  const startedAt = processStartTime(pid);
  return startedAt === undefined ? { pid } : { pid, startedAt };
}

/** Whether the recorded process is still running (the same process, not a later one with its pid). */
export function isRunning(recorded: RecordedProcess): boolean {
  try {
    process.kill(recorded.pid, 0);
  } catch {
    // ESRCH: gone. EPERM: another user's process, so not one this user recorded.
    return false;
  }
  if (recorded.startedAt === undefined) return true;
  const now = processStartTime(recorded.pid);
  // A zombie (exited, not yet reaped) still has its /proc entry: it runs no more.
  return now === recorded.startedAt && !isZombie(recorded.pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * The record of one supervisor's run. `claim` takes the output for this run (after sweeping a dead
 * predecessor's processes), `addChild` records each process as it starts, `release` removes the
 * record when the run has ended and swept.
 */
export class RunRecord {
  private children: RecordedProcess[] = [];
  private readonly me = recordedProcess();
  /** Writes one after another: children start at once, and each write replaces the whole file. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly path: string) {}

  /**
   * Claims `output` for this process. A record of a run still going fails as an `InputError` naming
   * `flag`; a record of a run that died has its still-running processes ended (SIGKILL: they belong
   * to no one now) before it is replaced. Returns the record, and what was swept, if anything.
   */
  static async claim(output: string, flag: string, options: { readonly waitMs?: number } = {}): Promise<{ record: RunRecord; swept?: PredecessorSwept }> {
    const path = runRecordPath(output);
    const record = new RunRecord(path);
    let swept: PredecessorSwept | undefined;
    // Two supervisors starting at once both find no record: creating it exclusively lets one win.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const previous = await readRecord(path);
      if (previous !== undefined) {
        if (isRunning(previous.supervisor)) throw new InputError(`${flag}: another run (pid ${previous.supervisor.pid}) is using ${output}; wait for it to end, or stop it`);
        const childrenEnded = await endAll(previous.children, options.waitMs ?? 10_000);
        swept = { supervisorPid: previous.supervisor.pid, childrenEnded: childrenEnded + (swept?.childrenEnded ?? 0) };
        await unlink(path).catch(ignoreMissing);
      }
      if (await record.create()) return swept === undefined ? { record } : { record, swept };
    }
    throw new InputError(`${flag}: another run is starting on ${output} at the same time`);
  }

  /** Records a process this run started (call as soon as it has a pid). */
  addChild(pid: number): Promise<void> {
    this.children.push(recordedProcess(pid));
    const written = this.writing.catch(() => undefined).then(() => this.write());
    this.writing = written;
    return written;
  }

  /** Removes the record: the run has ended and nothing it started is left running. */
  async release(): Promise<void> {
    await this.writing.catch(() => undefined);
    await unlink(this.path).catch(ignoreMissing);
  }

  /** Creates the record where there is none; `false` when another supervisor's appeared first. */
  private async create(): Promise<boolean> {
    const temp = await this.writeTemp();
    try {
      await link(temp, this.path);
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    } finally {
      await unlink(temp).catch(ignoreMissing);
    }
  }

  /** Written whole or not at all (a temporary file renamed into place), so a successor never reads half. */
  private async write(): Promise<void> {
    await rename(await this.writeTemp(), this.path);
  }

  private async writeTemp(): Promise<string> {
    const content: RunRecordFile = { supervisor: this.me, children: this.children };
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(content)}\n`);
    return temp;
  }
}

async function readRecord(path: string): Promise<RunRecordFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RunRecordFile> | null;
    if (value === null || typeof value !== 'object' || typeof value.supervisor?.pid !== 'number' || !Array.isArray(value.children)) throw new Error('wrong shape');
    return value as RunRecordFile;
  } catch {
    throw new InputError(`${path} is not a run record (delete it if no run is going on): ${text.slice(0, 120)}`);
  }
}

/** Ends every recorded process still running and waits until none is; gives how many had to be ended. */
async function endAll(processes: readonly RecordedProcess[], waitMs: number): Promise<number> {
  const running = processes.filter(isRunning);
  for (const recorded of running) {
    try {
      process.kill(recorded.pid, 'SIGKILL');
    } catch {
      // Gone in between: nothing to end.
    }
  }
  for (let waited = 0; running.some(isRunning); waited += 20) {
    if (waited >= waitMs) throw new HarnessError(`processes of a run that died are still running after SIGKILL: ${running.filter(isRunning).map((p) => p.pid).join(', ')}`);
    await sleep(20);
  }
  return running.length;
}

function ignoreMissing(error: unknown): void {
  if (errorCode(error) !== 'ENOENT') throw error;
}
