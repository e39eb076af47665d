/**
 * A watchdog for the process groups a server starts: shell commands run detached, each leading a
 * group of its own so that stopping one reaches whatever it started. Detached, they would outlive a
 * server killed outright (SIGKILL: it cannot catch it, so it cannot stop them) and run on untracked
 * until the next server sweeps. A shell command cannot be given a lifeline of its own (it may read
 * its stdin, or start programs that never look), so the server gives one to a small watchdog process
 * instead: the watchdog's stdin is a pipe only the server holds, on which the server writes each
 * group as it starts (`+PGID`) and ends (`-PGID`). When the server is gone without saying so (a
 * clean exit writes `=` first: it stopped its jobs itself), the pipe closes and the watchdog ends
 * every group still listed (SIGTERM, then SIGKILL after a grace period), then exits. It ignores SIGINT and SIGTERM: a Ctrl-C reaches the whole foreground group, watchdog
 * included, and it must outlive the server to do its work.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The watchdog itself, run by `node -e`: no file to find, whichever way simrun was installed. */
function watchdogSource(graceMs: number): string {
  return `
const groups = new Set();
let pending = '';
const signalAll = (signal) => { for (const group of groups) { try { process.kill(-group, signal); } catch {} } };
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let end = pending.indexOf('\\n'); end >= 0; end = pending.indexOf('\\n')) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    const group = Number(line.slice(1));
    if (line !== '=' && (!Number.isInteger(group) || group <= 1)) continue;
    if (line === '=') groups.clear();
    else if (line[0] === '+') groups.add(group);
    else groups.delete(group);
  }
});
process.stdin.on('end', () => {
  if (groups.size === 0) process.exit(0);
  signalAll('SIGTERM');
  setTimeout(() => { signalAll('SIGKILL'); process.exit(0); }, ${Math.max(0, Math.floor(graceMs))});
});
`;
}

export class GroupWatchdog {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts the watchdog; `graceMs` is how long a group told to stop (SIGTERM) has before SIGKILL. */
  static start(graceMs: number): GroupWatchdog {
    const child = spawn(process.execPath, ['-e', watchdogSource(graceMs)], { stdio: ['pipe', 'ignore', 'ignore'] });
    // Neither the watchdog nor its pipe keeps the server running; a write to a watchdog that died fails quietly.
    child.unref();
    child.stdin?.on('error', () => undefined);
    (child.stdin as { unref?: () => void } | null)?.unref?.();
    return new GroupWatchdog(child);
  }

  /** The watchdog's pid (for tests and logs). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** A group the server started: ended by the watchdog if the server goes first. */
  watch(pgid: number): void {
    this.child.stdin?.write(`+${pgid}\n`);
  }

  /** A group that ended, or that the server stopped itself: the watchdog forgets it. */
  forget(pgid: number): void {
    this.child.stdin?.write(`-${pgid}\n`);
  }

  /**
   * The server is ending on its own terms: it stopped its jobs itself (what it did not stop is its own
   * doing, and shows as such), so the watchdog forgets every group and exits without signalling any.
   */
  close(): void {
    this.child.stdin?.end('=\n');
  }
}
