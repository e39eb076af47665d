/**
 * What the supervisor sees of the jobs' process groups: each job runs as `/bin/sh -c` leading a
 * process group of its own, whose id its runner records (the job runner's `job.execution`, the DAG
 * run log's attempt). Reading /proc, the supervisor lists which of those groups still have live
 * members at a given moment — after a runner's death, after the final stop — which is how a real
 * run judges "no job process outlives its runner untracked", a promise no trace line can show.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A live process in one of the groups asked about. */
export interface GroupMember {
  readonly pid: number;
  readonly pgid: number;
  /** Its command line, for the violation's message. */
  readonly command: string;
}

/**
 * Every live (not zombie) process whose process group is one of `pgids`. One pass over /proc: a
 * zombie has exited and only waits for its new parent to reap it, so it does not count.
 */
export function liveGroupMembers(pgids: ReadonlySet<number>): GroupMember[] {
  if (pgids.size === 0) return [];
  const members: GroupMember[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return signalledMembers(pgids);
  }
  for (const name of entries) {
    const pid = Number(name);
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgid = Number(rest[2]);
    if (rest[0] === 'Z' || !pgids.has(pgid)) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // Gone between the two reads.
    }
    members.push({ pid, pgid, command });
  }
  return members;
}

/** Without /proc: a group answers signal 0 while any member lives (zombies included). */
function signalledMembers(pgids: ReadonlySet<number>): GroupMember[] {
  const members: GroupMember[] = [];
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, 0);
      members.push({ pid: pgid, pgid, command: '' });
    } catch {
      // No member left.
    }
  }
  return members;
}

/** SIGKILL to each group: the end of a run leaves nothing of its jobs behind, whatever the verdict. */
export function killGroups(pgids: Iterable<number>): void {
  for (const pgid of pgids) {
    if (!Number.isSafeInteger(pgid) || pgid <= 1) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** A job shell as the watcher saw it: when first seen alive and when last seen alive (epoch ms). */
export interface WatchedShell {
  readonly pgid: number;
  readonly command: string;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  /** Set once a look found its group empty. */
  goneMs?: number;
}

/**
 * Watches /proc every `everyMs` for job shells (`/bin/sh -c COMMAND` leading its own group) whose
 * command contains `marker`, and for how long each group has live members. What it reports is
 * always an under-estimate of a group's life: alive at the first look that saw it, and at the last;
 * so two executions it reports as overlapping really were alive at the same moment.
 */
export class JobShellWatcher {
  readonly shells = new Map<number, WatchedShell>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly marker: string,
    everyMs: number,
  ) {
    this.timer = setInterval(() => this.look(), everyMs);
    this.look();
  }

  /** One look at /proc. */
  look(): void {
    const now = Date.now();
    let entries: string[];
    try {
      entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    } catch {
      return;
    }
    const aliveGroups = new Set<number>();
    for (const name of entries) {
      const pid = Number(name);
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      const pgid = Number(rest[2]);
      aliveGroups.add(pgid);
      if (pgid !== pid || this.shells.has(pgid)) continue;
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      if (argv[0] === '/bin/sh' && argv[1] === '-c' && (argv[2] ?? '').includes(this.marker)) this.shells.set(pgid, { pgid, command: argv[2] as string, firstSeenMs: now, lastSeenMs: now });
    }
    for (const shell of this.shells.values()) {
      if (shell.goneMs !== undefined) continue;
      if (aliveGroups.has(shell.pgid)) shell.lastSeenMs = now;
      else shell.goneMs = now;
    }
  }

  /** Stops watching (after one last look). */
  stop(): void {
    clearInterval(this.timer);
    this.look();
  }
}
