/**
 * A full disk, for real: a directory put on a small tmpfs of its own (`mount -t tmpfs -o size=…`),
 * and a filler that takes every free byte of it for a while, as a runaway log or another tenant
 * would, then frees it. Whatever writes there meanwhile gets the kernel's own ENOSPC, with its real
 * side effects (a file created by `open` stays behind, empty or cut short, when its write fails).
 *
 * Mounting needs root (CAP_SYS_ADMIN); `tmpfsUnavailable` says why not when it is refused, so a
 * campaign leaves the fault out instead of failing. A mount never outlives the process that made it:
 * `unmount` is called in a `finally`, and SIGINT, SIGTERM, SIGHUP and `exit` lazily unmount whatever is
 * still mounted (lazy: the system's processes may still hold files open there).
 */
import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, open, rename, rm, rmdir, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { errorCode } from '../../env/fs.js';

const run = promisify(execFile);

/** The filler's name, hidden in the mount's root. */
export const FILLER_NAME = '.disk-full-filler';
/** How often the filler takes back the bytes freed meanwhile (a deleted temp file), ms. */
const TOP_UP_MS = 50;
const CHUNK = Buffer.alloc(64 * 1024);

/** Resolves `undefined` when this process may mount a tmpfs, else one line saying why not. */
export async function tmpfsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  const probe = await mkdtemp(join(tmpdir(), 'simrun-tmpfs-probe-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
  } catch (error) {
    await rmdir(probe).catch(() => undefined);
    return `mount -t tmpfs is not permitted here (${firstLine(error)})`;
  }
  await run('umount', [probe]).catch(() => run('umount', ['-l', probe]));
  await rmdir(probe).catch(() => undefined);
  return undefined;
}

export interface SmallDisk {
  readonly dir: string;
  /** Takes every free byte for `ms`, topping up as bytes are freed; resolves true once the disk is full (not when it frees). */
  fill(ms: number): Promise<boolean>;
  /**
   * Frees the disk, keeps a copy of what it held in `dir` (an ordinary directory from then on, so
   * a run's files can be judged and kept) and unmounts. Safe to call twice.
   */
  unmount(): Promise<void>;
}

const mounted = new Set<string>();
let guardsInstalled = false;

/** Mounts a tmpfs of `sizeBytes` on `dir` (created if missing, which must be empty). */
export async function mountSmallDisk(dir: string, sizeBytes: number): Promise<SmallDisk> {
  await mkdir(dir, { recursive: true });
  installGuards();
  // Mounted and recorded in one synchronous step: a signal handler runs only between JS tasks, so no
  // SIGTERM can end the campaign after the mount exists but before the guards know of it.
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    throw new Error(`mount -t tmpfs on ${dir} failed: ${firstLine(error)}`);
  }
  mounted.add(dir);
  const fillers = new Set<Filler>();
  let unmounted = false;
  return {
    dir,
    async fill(ms) {
      if (unmounted) return false;
      const filler = await startFiller(join(dir, FILLER_NAME));
      if (filler === undefined) return false;
      fillers.add(filler);
      setTimeout(() => {
        fillers.delete(filler);
        void filler.stop();
      }, ms);
      return true;
    },
    async unmount() {
      if (unmounted) return;
      unmounted = true;
      for (const filler of fillers) await filler.stop();
      fillers.clear();
      // Copy out, unmount, and put the copy where the mount was: the directory reads the same.
      const copy = join(dirname(dir), `.${basename(dir)}-copy-${process.pid}`);
      await rm(copy, { recursive: true, force: true });
      let copied = true;
      await cp(dir, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true }).catch(() => (copied = false));
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir])).catch(() => undefined);
      mounted.delete(dir);
      if (copied) {
        await rmdir(dir).catch(() => undefined);
        await rename(copy, dir);
      }
    },
  };
}

interface Filler {
  stop(): Promise<void>;
}

/** Writes `path` until ENOSPC, then again every `TOP_UP_MS` until stopped; `undefined` if it could not start. */
async function startFiller(path: string): Promise<Filler | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'a');
  } catch {
    return undefined;
  }
  let stopped = false;
  let writing = Promise.resolve();
  const topUp = async (): Promise<void> => {
    for (;;) {
      try {
        await handle.write(CHUNK);
      } catch (error) {
        if (errorCode(error) === 'ENOSPC') break;
        throw error;
      }
    }
    // Whatever a chunk could not take (less than 64 KiB), one page at a time.
    for (const small = CHUNK.subarray(0, 4096); ; ) {
      try {
        await handle.write(small);
      } catch {
        return;
      }
    }
  };
  writing = topUp();
  try {
    await writing;
  } catch {
    // The disk could not be filled (it went away): no fault, and nothing left behind.
    await handle.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    return undefined;
  }
  const timer = setInterval(() => {
    if (!stopped) writing = writing.then(topUp).catch(() => undefined);
  }, TOP_UP_MS);
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await writing.catch(() => undefined);
      await handle.close().catch(() => undefined);
      await rm(path, { force: true });
    },
  };
}

/** On SIGINT/SIGTERM/SIGHUP/exit, lazily unmount every disk still mounted, then let the signal do what it would have. */
function installGuards(): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  const unmountAll = (): void => {
    for (const dir of mounted) {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
    mounted.clear();
  };
  process.on('exit', unmountAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      unmountAll();
      // With no other handler, this one stole Node's default (exit at once): restore it and re-raise.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : error instanceof Error ? error.message : String(error);
  return text.trim().split('\n')[0] ?? '';
}
