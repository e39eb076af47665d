/**
 * Watching real processes from a test, through `/proc` (Linux): which processes a given one started,
 * and whether a process has ended. An exited process that its new parent has not reaped yet (a
 * zombie) runs no more, so it counts as ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { ROOT } from '../cli/helpers.js';

/** Fields 3 (state), 4 (parent pid) and 5 (process group) of `/proc/<pid>/stat`; `undefined` once the process is gone. */
function statOf(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '?', ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** The live processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(Number(name));
    if (stat !== undefined && stat.ppid === pid && stat.state !== 'Z') children.push(Number(name));
  }
  return children;
}

/** The live processes of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(Number(name));
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z') members.push(Number(name));
  }
  return members;
}

export function hasEnded(pid: number): boolean {
  const stat = statOf(pid);
  return stat === undefined || stat.state === 'Z';
}

/** Polls until `ready` holds (it gives a value), failing after `limitMs`. */
export async function waitFor<T>(what: string, ready: () => T | undefined, limitMs = 60_000): Promise<T> {
  for (let waited = 0; ; waited += 50) {
    const value = ready();
    if (value !== undefined) return value;
    if (waited >= limitMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

/** The processes of `pids` still running `boundMs` after the call, polled until all have ended or the bound passes. */
export async function survivorsAfter(pids: readonly number[], boundMs: number): Promise<number[]> {
  for (let waited = 0; waited < boundMs; waited += 50) {
    if (pids.every(hasEnded)) return [];
    await sleep(50);
  }
  return pids.filter((pid) => !hasEnded(pid));
}

/** Starts the compiled CLI in the background, as a user's shell would; its output is discarded. */
export function startSimrun(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdio: 'ignore' });
}
