/**
 * The real `OrphanReaper`: ends the process group of an attempt that a dead `simrun dag run` left
 * running. The shell executor starts each job as `/bin/sh -c COMMAND` detached, so the shell leads
 * a process group whose id is its pid, and everything the command starts stays in that group: the
 * run log records that id, and ending the orphan is `kill -TERM -PGID`, then `kill -KILL -PGID`
 * after a grace period.
 *
 * Never someone else's group: a recorded id is used only when the runner that recorded it ran on
 * this machine, and, while the group's leader is alive, only when the leader is still a `/bin/sh -c`
 * leading its own group (a pid reused by an unrelated program is left alone). Once the leader has
 * exited, the id cannot be reused while any member of its group is alive, so signalling it reaches
 * only what is left of the job.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Orphan, OrphanReaper, ReapOutcome } from '../../systems/dag/orphans.js';

/** This runner's lease owner and run-log `runner`: `dag-runner@HOST#PID`. */
export function runnerOwnerId(): string {
  return `dag-runner@${hostname()}#${process.pid}`;
}

/** The host of an owner id written by `runnerOwnerId`, if it is one. */
export function hostOfOwner(owner: string): string | undefined {
  return /^dag-runner@(.*)#\d+$/.exec(owner)?.[1];
}

/**
 * Whether `owner` (a `runnerOwnerId`) is a runner of this machine whose process no longer runs (or
 * is a zombie). A pid that was reused reads as alive: the caller then waits for the lease to lapse,
 * which is always safe.
 */
export function ownerIsDeadHere(owner: string): boolean {
  const match = /^dag-runner@(.*)#(\d+)$/.exec(owner);
  if (match === null || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return statFields(pid)?.state === 'Z';
}

export interface ProcessGroupReaperOptions {
  /** Time between SIGTERM and SIGKILL, ms. */
  readonly graceMs: number;
}

const POLL_MS = 25;

export function processGroupReaper(options: ProcessGroupReaperOptions): OrphanReaper {
  return {
    async reap(orphan: Orphan): Promise<ReapOutcome> {
      const pgid = Number(orphan.execution);
      if (!Number.isSafeInteger(pgid) || pgid <= 1) return 'not-running';
      const host = orphan.runner === undefined ? undefined : hostOfOwner(orphan.runner);
      if (host !== undefined && host !== hostname()) return 'unreachable';
      if (!groupAlive(pgid) || !stillOurs(pgid)) return 'not-running';
      signalGroup(pgid, 'SIGTERM');
      if (await goneWithin(pgid, options.graceMs)) return 'ended';
      signalGroup(pgid, 'SIGKILL');
      await goneWithin(pgid, 5_000);
      return 'ended';
    },
  };
}

/**
 * Whether any live process is in group `pgid`. Read from /proc where there is one, because a zombie
 * (exited, not yet reaped by its new parent: in a container that may take a while) still answers
 * `kill(-pgid, 0)` but is gone for every purpose here.
 */
export function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return signalReaches(pgid);
  }
  for (const pid of entries) {
    const fields = statFields(Number(pid));
    if (fields !== undefined && fields.pgrp === pgid && fields.state !== 'Z') return true;
  }
  return false;
}

function signalReaches(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** State and process group from /proc/PID/stat; the command name (field 2) may hold spaces, so fields are counted after its ')'. */
function statFields(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/**
 * False when `pgid`'s process is alive but is not a job shell leading its own group (its pid was
 * reused). True when the leader is gone (its group's survivors keep the id from reuse) or cannot be
 * inspected (no /proc: signalling the group is the best there is).
 */
function stillOurs(pgid: number): boolean {
  const leader = statFields(pgid);
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pgid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  if (leader === undefined || leader.state === 'Z') return true;
  const argv = cmdline.split('\0');
  return leader.pgrp === pgid && argv[0] === '/bin/sh' && argv[1] === '-c';
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += POLL_MS) {
    if (!groupAlive(pgid)) return true;
    await sleep(POLL_MS);
  }
  return !groupAlive(pgid);
}
