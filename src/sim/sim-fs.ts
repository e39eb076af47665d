/**
 * The simulated filesystem a process sees: `FsPromises` over the world's one memfs volume.
 *
 * Fault model: every operation completes after a latency drawn from the calling process's own
 * stream, and takes effect at that moment, all at once (so a crash before completion leaves no
 * trace of it, and a pause defers the completion). An injected fault makes a matching operation fail
 * with `EIO` or `ENOSPC` and take no effect. Operations run on memfs's synchronous core, never its
 * promise facade, so completion order is the scheduler's and nothing else's. memfs stamps files with
 * the real `Date`; every file touched is re-stamped with world time so nothing real leaks into a run.
 */
import { Volume, type IProcess } from 'memfs';
import type { DirentLike, FsPromises, StatsLike, WriteOptions } from '../env/fs.js';
import { sortNames } from '../env/sort-names.js';
import type { FsEvent } from './events.js';

/** `fs.constants.COPYFILE_EXCL`, as memfs reads it. */
const COPYFILE_EXCL = 1;

export type FsOperation =
  | 'readFile'
  | 'writeFile'
  | 'appendFile'
  | 'rename'
  | 'link'
  | 'unlink'
  | 'mkdir'
  | 'readdir'
  | 'stat'
  | 'lstat'
  | 'rm'
  | 'rmdir'
  | 'utimes'
  | 'realpath'
  | 'open'
  | 'close'
  | 'read'
  | 'write'
  | 'copyFile'
  | 'fstat'
  | 'fsync'
  | 'truncate'
  | 'mkdtemp'
  | 'chmod'
  | 'symlink'
  | 'readlink'
  | 'opendir';

/** What an operation's trace event says besides its path. */
type FsOutcome = Omit<FsEvent['data'], 'path'>;

/** What an operation adds to its trace event whatever its outcome: the size and flag of a write, a rename's target. */
type FsDetail = Pick<FsOutcome, 'bytes' | 'flag' | 'to'>;

/** What the world provides to a process's filesystem: when to complete, and whether to fail. */
export interface FsHost {
  readonly volume: Volume;
  /** Virtual time in ms: files are stamped with it. */
  now(): number;
  /** Runs `complete` when the operation finishes (after latency, pauses, never after a crash). */
  complete(operation: FsOperation, path: string, complete: () => void): void;
  /** An injected error code for this operation, consuming the fault, or undefined. */
  takeFault(operation: FsOperation, path: string): string | undefined;
  /**
   * Records the operation in the trace (as an `FsEvent`, see `events.ts`). `data` is made here,
   * path first, so the host stores it as it is: one object per operation, none copied.
   */
  record(operation: FsOperation, data: FsEvent['data']): void;
  /** A float in [0, 1) from the calling process's seeded stream: the random part of `mkdtemp`'s names. */
  random(): number;
}

/**
 * The user and group the volume acts as: the real process's, read once. memfs asks `process.getuid()`
 * and `getgid()` (a call into the runtime each) at every step of every path it walks.
 */
const VOLUME_UID = process.getuid?.() ?? 0;
const VOLUME_GID = process.getgid?.() ?? 0;
const VOLUME_PROCESS: IProcess = {
  getuid: () => VOLUME_UID,
  getgid: () => VOLUME_GID,
  cwd: () => process.cwd(),
  platform: process.platform,
  emitWarning: (message, type) => process.emitWarning(message, type),
  env: process.env,
};

/** An empty volume for a world: memfs's own, acting as the real process's user and group. */
export function createVolume(): Volume {
  const volume = Volume.fromJSON({}, undefined, { process: VOLUME_PROCESS });
  actAsVolumeUser(volume);
  return volume;
}

/** The parts of a memfs 4 inode that `actAsVolumeUser` replaces. */
interface PermissionChecks {
  canRead(uid?: number, gid?: number): boolean;
  canWrite(uid?: number, gid?: number): boolean;
  canExecute(uid?: number, gid?: number): boolean;
}
type InodeClass = new (...args: never[]) => PermissionChecks;

/** memfs 4's inode class with the user and group defaulting to the volume's, made once. */
let volumeInodePrototype: object | undefined;

/**
 * memfs's core passes the volume's `process` when it walks a path, but its inodes' `canRead()`,
 * `canWrite()` and `canExecute()`, which it calls without arguments on every open, rename and
 * unlink, default to the real `process.getuid()` and `getgid()`: a call into the runtime each,
 * about 5% of a simulated bucket day. Each inode the core makes gets a prototype whose checks
 * default to the same ids read once, so permissions are judged exactly as before. A memfs whose
 * core does not look like this is left as it is.
 */
function actAsVolumeUser(volume: Volume): void {
  const core = (volume as unknown as { _core?: { root?: CoreLink; createNode?: (...args: unknown[]) => object } })._core;
  const root = core?.root?.getNode();
  const createNode = core?.createNode;
  if (core === undefined || root === undefined || typeof createNode !== 'function') return;
  const prototype = (volumeInodePrototype ??= inodeActingAsVolumeUser(Object.getPrototypeOf(root).constructor as InodeClass).prototype);
  Object.setPrototypeOf(root, prototype);
  core.createNode = (...args) => Object.setPrototypeOf(createNode.apply(core, args), prototype) as object;
}

function inodeActingAsVolumeUser(Inode: InodeClass): InodeClass {
  return class VolumeInode extends Inode {
    override canRead(uid = VOLUME_UID, gid = VOLUME_GID): boolean {
      return super.canRead(uid, gid);
    }
    override canWrite(uid = VOLUME_UID, gid = VOLUME_GID): boolean {
      return super.canWrite(uid, gid);
    }
    override canExecute(uid = VOLUME_UID, gid = VOLUME_GID): boolean {
      return super.canExecute(uid, gid);
    }
  };
}

/** The parts of memfs's core that `listDirectory` reads (memfs 4: `Volume._core`, a `Superblock`). */
interface CoreLink {
  readonly children: Map<string, unknown>;
  getNode(): { isDirectory(): boolean; canRead(uid: number, gid: number): boolean };
}
interface Core {
  getResolvedLinkOrThrow(filename: string, funcName: string): CoreLink;
}

/**
 * `readdirSync(path)` as names, without building a `Dirent` per entry: an idle worker lists its
 * directory every few seconds, and that listing was most of what a long simulation did. Anything
 * unusual (not a directory, no permission, a memfs without the core this reads) goes through
 * `readdirSync`, so errors are memfs's own.
 */
function listDirectory(volume: Volume, path: string): string[] {
  const core = (volume as unknown as { _core?: Core })._core;
  if (core === undefined || typeof path !== 'string' || path.includes('\0')) return (volume.readdirSync(path) as string[]).map(String);
  const link = core.getResolvedLinkOrThrow(path, 'scandir');
  const node = link.getNode();
  if (!node.isDirectory() || !node.canRead(VOLUME_UID, VOLUME_GID)) return (volume.readdirSync(path) as string[]).map(String);
  const names: string[] = [];
  // `forEach`, not `for...of` over entries: no [name, child] pair allocated per entry.
  link.children.forEach((child, name) => {
    if (child && name !== '.' && name !== '..') names.push(name);
  });
  return names;
}

/** The characters of `mkdtemp`'s random suffix, as libc draws them. */
const TEMP_NAME_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** How many names `mkdtemp` tries before giving up with `EEXIST` (libc tries far more; six characters rarely collide twice). */
const TEMP_NAME_ATTEMPTS = 100;

/** Flags `open` takes, as Node spells them (`O_*` numbers are read through the volume too). */
export type OpenFlags = string | number;

export class SimFs implements FsPromises {
  /** How the last operation ended, kept only by `callSync`'s immediate volume, which reads it back. */
  private settled: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown } | undefined;

  /** This volume as `callSync` uses it: operations complete at once. */
  private immediate: SimFs | undefined;

  /** `keepOutcome`: remember how each operation ended (only `callSync`'s copy does: it costs an object a call). */
  constructor(
    private readonly host: FsHost,
    private readonly keepOutcome = false,
  ) {}

  /**
   * Makes one of this volume's operations as a synchronous call (`readFileSync`, …) makes it: at
   * once, in zero virtual time (a synchronous call cannot wait for simulated time, so no latency and
   * no pause applies), with injected faults and tracing as for any operation. Gives its result or
   * throws its error.
   */
  callSync<T>(call: (fs: SimFs) => Promise<T>): T {
    const immediate = (this.immediate ??= new SimFs({ ...this.host, complete: (_operation, _path, complete) => complete() }, true));
    immediate.settled = undefined;
    call(immediate).catch(() => undefined);
    // Read back after the call (the compiler cannot see that `call` set it).
    const settled = immediate.settled as SimFs['settled'];
    if (settled === undefined) throw new Error('callSync: the call made no filesystem operation');
    if (!settled.ok) throw settled.error;
    return settled.value as T;
  }

  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** Without an encoding: the bytes, as `node:fs/promises` gives them. */
  readFile(path: string): Promise<Buffer>;
  readFile(path: string, encoding?: 'utf8'): Promise<string | Buffer> {
    if (encoding === undefined) return this.run('readFile', path, (volume) => Buffer.from(volume.readFileSync(path) as Buffer));
    return this.run('readFile', path, (volume) => String(volume.readFileSync(path, 'utf8')));
  }

  writeFile(path: string, data: string | Uint8Array, options?: WriteOptions | 'utf8'): Promise<void> {
    const flag = typeof options === 'object' ? (options.flag ?? 'w') : 'w';
    return this.run('writeFile', path, (volume) => {
      volume.writeFileSync(path, data, { flag });
      this.stamp(path);
    }, { bytes: data.length, flag });
  }

  appendFile(path: string, data: string | Uint8Array, _encoding?: 'utf8'): Promise<void> {
    return this.run('appendFile', path, (volume) => {
      volume.appendFileSync(path, data);
      this.stamp(path);
    }, { bytes: data.length });
  }

  rename(from: string, to: string): Promise<void> {
    return this.run('rename', from, (volume) => {
      volume.renameSync(from, to);
      this.stampDirectoryOf(from);
      this.stampDirectoryOf(to);
    }, { to });
  }

  link(from: string, to: string): Promise<void> {
    return this.run('link', from, (volume) => {
      volume.linkSync(from, to);
      this.stampDirectoryOf(to);
    }, { to });
  }

  unlink(path: string): Promise<void> {
    return this.run('unlink', path, (volume) => {
      volume.unlinkSync(path);
      this.stampDirectoryOf(path);
    });
  }

  mkdir(path: string, options?: { recursive?: boolean }): Promise<string | undefined> {
    return this.run('mkdir', path, (volume) => {
      // Node gives the first directory a recursive mkdir created (memfs gives the last): find it first.
      const first = options?.recursive === true ? firstMissing(volume, path) : undefined;
      volume.mkdirSync(path, { recursive: options?.recursive ?? false });
      this.stamp(path);
      return first;
    });
  }

  /** Names sorted, unlike a real directory, so a listing never depends on insertion order. */
  readdir(path: string): Promise<string[]>;
  readdir(path: string, options: { withFileTypes: true }): Promise<DirentLike[]>;
  readdir(path: string, options?: { withFileTypes?: boolean }): Promise<string[] | DirentLike[]> {
    if (options?.withFileTypes !== true) return this.run('readdir', path, (volume) => sortNames(listDirectory(volume, path)));
    return this.run('readdir', path, (volume) => direntsOf(volume, path));
  }

  stat(path: string): Promise<StatsLike> {
    return this.run('stat', path, (volume) => statsOf(volume.statSync(path)));
  }

  lstat(path: string): Promise<StatsLike> {
    return this.run('lstat', path, (volume) => statsOf(volume.lstatSync(path)));
  }

  rmdir(path: string): Promise<void> {
    return this.run('rmdir', path, (volume) => {
      volume.rmdirSync(path);
      this.stampDirectoryOf(path);
    });
  }

  /** Times as the caller gives them (seconds or `Date`s), not re-stamped: setting them is the point. */
  utimes(path: string, atime: number | Date, mtime: number | Date): Promise<void> {
    return this.run('utimes', path, (volume) => volume.utimesSync(path, atime, mtime));
  }

  /** The canonical path: symbolic links followed, `.`, `..` and slashes resolved. */
  realpath(path: string): Promise<string> {
    return this.run('realpath', path, (volume) => String(volume.realpathSync(path)));
  }

  /**
   * Opens `path` and gives a file descriptor, for libraries that read and write by descriptor. The
   * descriptor belongs to the volume; `close` it. Writes through it take effect at their completion.
   */
  open(path: string, flags: OpenFlags = 'r', mode?: number): Promise<number> {
    return this.run('open', path, (volume) => {
      const fd = volume.openSync(path, flags as never, mode);
      if (typeof flags === 'string' ? /[wa+]/.test(flags) : true) this.stamp(path);
      return fd;
    }, { flag: String(flags) });
  }

  close(fd: number): Promise<void> {
    return this.run('close', this.pathOfFd(fd), (volume) => volume.closeSync(fd));
  }

  /** Reads up to `length` bytes into `buffer` at `offset`, from `position` (the current one when null); gives the count. */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    return this.run('read', this.pathOfFd(fd), (volume) => volume.readSync(fd, buffer, offset, length, position));
  }

  /** Writes `length` bytes of `buffer` from `offset` at `position` (the current one when null); gives the count. */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    const path = this.pathOfFd(fd);
    return this.run('write', path, (volume) => {
      const written = volume.writeSync(fd, buffer, offset, length, position ?? undefined);
      if (path.startsWith('/')) this.stamp(path);
      return written;
    }, { bytes: length });
  }

  /** Copies `from` to `to` in one operation; `exclusive` (`COPYFILE_EXCL`) fails with `EEXIST` when `to` exists. */
  copyFile(from: string, to: string, exclusive = false): Promise<void> {
    return this.run('copyFile', from, (volume) => {
      volume.copyFileSync(from, to, exclusive ? COPYFILE_EXCL : 0);
      this.stamp(to);
    }, { to });
  }

  /** The stats of an open descriptor's file. */
  fstat(fd: number): Promise<StatsLike> {
    return this.run('fstat', this.pathOfFd(fd), (volume) => statsOf(volume.fstatSync(fd)));
  }

  /**
   * Flushes a descriptor. Every write already took effect at its completion (the volume has no cache
   * to lose), so what an fsync adds is its latency, its trace event and the faults it can be given:
   * an `EIO` here is how a library learns its data may not be on disk.
   */
  fsync(fd: number): Promise<void> {
    return this.run('fsync', this.pathOfFd(fd), (volume) => volume.fsyncSync(fd));
  }

  /** Cuts or extends a file (by path, or by an open descriptor) to `length` bytes. */
  truncate(pathOrFd: string | number, length = 0): Promise<void> {
    const path = typeof pathOrFd === 'number' ? this.pathOfFd(pathOrFd) : pathOrFd;
    return this.run('truncate', path, (volume) => {
      if (typeof pathOrFd === 'number') volume.ftruncateSync(pathOrFd, length);
      else volume.truncateSync(pathOrFd, length);
      if (path.startsWith('/')) this.stamp(path);
    }, { bytes: length });
  }

  /**
   * Creates a directory named `prefix` plus six random characters and gives its path, as
   * `mkdtemp(3)`. The characters come from the calling process's seeded stream, so a seed names the
   * same directories every run; a name already taken is drawn again.
   */
  mkdtemp(prefix: string): Promise<string> {
    const detail: { to?: string } = {};
    return this.run('mkdtemp', prefix, (volume) => {
      for (let attempt = 0; attempt < TEMP_NAME_ATTEMPTS; attempt += 1) {
        let path = prefix;
        for (let index = 0; index < 6; index += 1) path += TEMP_NAME_CHARACTERS[Math.floor(this.host.random() * TEMP_NAME_CHARACTERS.length)];
        if (volume.existsSync(path)) continue;
        volume.mkdirSync(path, 0o700);
        this.stamp(path);
        detail.to = path;
        return path;
      }
      throw fsError('EEXIST', 'mkdtemp', `${prefix}XXXXXX`);
    }, detail);
  }

  /** Sets the permission bits of `path` (a number, or octal digits as a string); the volume enforces them on later access. */
  chmod(path: string, mode: number | string): Promise<void> {
    const bits = typeof mode === 'string' ? Number.parseInt(mode, 8) : mode;
    return this.run('chmod', path, (volume) => {
      // Only the inode changes (its ctime, which a stat here does not report): no time to re-stamp.
      volume.chmodSync(path, bits);
    });
  }

  /** Creates a symbolic link at `path` that points to `target` (which need not exist). */
  symlink(target: string, path: string): Promise<void> {
    return this.run('symlink', path, (volume) => {
      volume.symlinkSync(target, path);
      this.stampDirectoryOf(path);
    }, { to: target });
  }

  /** Where the symbolic link at `path` points, as it was written (`EINVAL` when `path` is not a link). */
  readlink(path: string): Promise<string> {
    return this.run('readlink', path, (volume) => String(volume.readlinkSync(path)));
  }

  /**
   * The entries of directory `path` as `opendir` reads them, with their types, sorted like `readdir`.
   * They are read when the directory is opened: whether an entry added afterwards shows up is left
   * open by POSIX, and a listing fixed at one moment keeps a run reproducible.
   */
  opendir(path: string): Promise<DirentLike[]> {
    return this.run('opendir', path, (volume) => direntsOf(volume, path));
  }

  /** The path an open descriptor names (memfs 4 keeps it in its core), for the trace; `fd:N` when unknown. */
  private pathOfFd(fd: number): string {
    const core = (this.host.volume as unknown as { _core?: { fds?: Record<number, { link?: { getPath?(): string } } | undefined> } })._core;
    return core?.fds?.[fd]?.link?.getPath?.() ?? `fd:${fd}`;
  }

  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
    return this.run('rm', path, (volume) => {
      volume.rmSync(path, { recursive: options?.recursive ?? false, force: options?.force ?? false });
      if (volume.existsSync(parentOf(path))) this.stampDirectoryOf(path);
    });
  }

  private run<T>(operation: FsOperation, path: string, perform: (volume: Volume) => T, detail?: FsDetail): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.host.complete(operation, path, () => {
        const injected = this.host.takeFault(operation, path);
        if (injected !== undefined) {
          this.host.record(operation, { path, ...detail, error: injected, injected: true });
          const error = fsError(injected, operation, path);
          if (this.keepOutcome) this.settled = { ok: false, error };
          reject(error);
          return;
        }
        try {
          const result = perform(this.host.volume);
          this.host.record(operation, detail === undefined ? { path } : { path, ...detail });
          if (this.keepOutcome) this.settled = { ok: true, value: result };
          resolve(result);
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'EUNKNOWN';
          this.host.record(operation, { path, ...detail, error: code });
          if (this.keepOutcome) this.settled = { ok: false, error };
          reject(error);
        }
      });
    });
  }

  private stamp(path: string): void {
    const seconds = this.host.now() / 1000;
    this.host.volume.utimesSync(path, seconds, seconds);
    this.stampDirectoryOf(path);
  }

  private stampDirectoryOf(path: string): void {
    const seconds = this.host.now() / 1000;
    this.host.volume.utimesSync(parentOf(path), seconds, seconds);
  }
}

/** What a stat reports, read once (memfs's stats object is live). */
function statsOf(stats: { size: number | bigint; mtimeMs: number | bigint; mode: number | bigint; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): StatsLike {
  const [isFile, isDirectory, isSymbolicLink] = [stats.isFile(), stats.isDirectory(), stats.isSymbolicLink()];
  const mtimeMs = Number(stats.mtimeMs);
  return { size: Number(stats.size), mtimeMs, mtime: new Date(mtimeMs), mode: Number(stats.mode), isFile: () => isFile, isDirectory: () => isDirectory, isSymbolicLink: () => isSymbolicLink };
}

/** The entries of directory `path`, sorted, each with its type (a link is a link, not what it points to). */
function direntsOf(volume: Volume, path: string): DirentLike[] {
  return listDirectory(volume, path)
    .sort()
    .map((name): DirentLike => {
      const stats = volume.lstatSync(`${path.replace(/\/+$/, '')}/${name}`);
      const [isFile, isDirectory, isSymbolicLink] = [stats.isFile(), stats.isDirectory(), stats.isSymbolicLink()];
      return { name, isFile: () => isFile, isDirectory: () => isDirectory, isSymbolicLink: () => isSymbolicLink };
    });
}

/** The outermost directory of `path` that does not exist yet, or undefined when all of it does. */
function firstMissing(volume: Volume, path: string): string | undefined {
  let missing: string | undefined;
  for (let directory = path.replace(/\/+$/, ''); directory !== '' && directory !== '/' && !volume.existsSync(directory); directory = parentOf(directory)) missing = directory;
  return missing;
}

function parentOf(path: string): string {
  const index = path.replace(/\/+$/, '').lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

const MESSAGES: Record<string, string> = {
  EIO: 'i/o error',
  EEXIST: 'file already exists',
  ENOSPC: 'no space left on device',
};

/** An error shaped like Node's own filesystem errors. */
export function fsError(code: string, operation: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${MESSAGES[code] ?? 'injected fault'}, ${operation} '${path}'`);
  error.code = code;
  error.syscall = operation;
  error.path = path;
  return error;
}
