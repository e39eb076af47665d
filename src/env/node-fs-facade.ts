/**
 * `node:fs` and `node:fs/promises` as an unmodified library sees them, over one process's
 * simulated filesystem (`Env.fs`): what `load()` hands a module for `require('fs')`,
 * `require('node:fs')` and `require('fs/promises')`, so its file calls get the volume's latency,
 * injected faults and tracing.
 *
 * Covered, in callback and promise forms: open/close/read/write, stat/lstat/fstat (with `Date`
 * times), fsync/fdatasync, truncate/ftruncate, copyFile, utimes, mkdir (recursive), rmdir/rm,
 * rename, link, unlink, readdir (with file types), readFile/writeFile/appendFile, realpath,
 * access/exists, mkdtemp (its random suffix drawn from the process's seeded stream), chmod,
 * symlink/readlink, opendir (a `Dir` over the entries read when it opened); a `FileHandle` reads,
 * writes, stats, syncs, truncates and closes.
 *
 * Synchronous forms of the same calls (readFileSync, writeFileSync, appendFileSync, existsSync,
 * accessSync, mkdirSync, renameSync, linkSync, unlinkSync, copyFileSync, statSync, lstatSync,
 * fstatSync, readdirSync, rmSync, rmdirSync, utimesSync, realpathSync, truncateSync,
 * ftruncateSync, fsyncSync, fdatasyncSync, openSync/closeSync/readSync/writeSync, mkdtempSync,
 * chmodSync, symlinkSync, readlinkSync, opendirSync) work on the
 * same volume when it can make an operation at once (`SyncCallFs`, the simulated volume can): a
 * synchronous call cannot wait for simulated time, so it takes zero virtual time (no latency, no
 * pause in the middle), while injected faults and tracing apply as to any call. Other synchronous
 * calls (chown, cp, lutimes, futimes, …), streams and watchers fail with
 * `ENOSYS`. Constants and the stream classes are Node's own.
 */
import * as realFs from 'node:fs';
import type { DirentLike, FsPromises, StatsLike } from './fs.js';

/** The descriptor calls of the simulated volume (`SimFs`), beyond the `FsPromises` contract. */
export interface DescriptorFs {
  realpath(path: string): Promise<string>;
  open(path: string, flags?: string | number, mode?: number): Promise<number>;
  close(fd: number): Promise<void>;
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  fstat(fd: number): Promise<StatsLike>;
  fsync(fd: number): Promise<void>;
  /** Cuts or extends a file, by path or by an open descriptor. */
  truncate(pathOrFd: string | number, length?: number): Promise<void>;
  /** One operation; `exclusive` is `COPYFILE_EXCL`. */
  copyFile(from: string, to: string, exclusive?: boolean): Promise<void>;
  /** The entries of a directory as `opendir` reads them (one operation), with their types. */
  opendir(path: string): Promise<DirentLike[]>;
}

/** A filesystem that can make one of its operations at once, for synchronous calls (`SimFs.callSync`). */
export interface SyncCallFs {
  callSync<T>(call: (fs: FsPromises & DescriptorFs) => Promise<T>): T;
}

type Callback = (error: NodeJS.ErrnoException | null, ...results: unknown[]) => void;
type AnyFs = FsPromises & Partial<DescriptorFs>;

function enosys(call: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`ENOSYS: ${call} is not available on the simulated filesystem`);
  error.code = 'ENOSYS';
  error.syscall = call;
  return error;
}

function pathOf(path: unknown): string {
  if (typeof path === 'string') return path;
  if (path instanceof URL) return decodeURIComponent(path.pathname);
  if (Buffer.isBuffer(path)) return path.toString('utf8');
  return String(path);
}

function toSeconds(time: unknown): number | Date {
  if (time instanceof Date) return time;
  return typeof time === 'string' ? Number(time) : (time as number);
}

function encodingOf(options: unknown): string | undefined {
  if (typeof options === 'string') return options;
  if (typeof options === 'object' && options !== null) return (options as { encoding?: string }).encoding ?? undefined;
  return undefined;
}

/** Whether a `copyFile` mode asks for `COPYFILE_EXCL` (the clone flags need no more on one volume). */
function exclusiveCopy(mode: unknown): boolean {
  return typeof mode === 'number' && (mode & realFs.constants.COPYFILE_EXCL) !== 0;
}

function dataOf(data: unknown): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return String(data);
}

/** The promise calls of the facade: `node:fs/promises` over `fs`. */
function promisesOver(fs: AnyFs) {
  const descriptors = (): DescriptorFs => {
    if (typeof fs.open !== 'function') throw enosys('open');
    return fs as unknown as DescriptorFs;
  };
  const api = {
    async readFile(path: unknown, options?: unknown): Promise<string | Buffer> {
      const encoding = encodingOf(options);
      const text = encoding === undefined ? await (fs.readFile as (path: string) => Promise<string | Buffer>)(pathOf(path)) : await fs.readFile(pathOf(path), 'utf8');
      if (encoding === undefined) return Buffer.isBuffer(text) ? text : Buffer.from(text);
      return typeof text === 'string' ? text : text.toString(encoding as BufferEncoding);
    },
    writeFile(path: unknown, data: unknown, options?: unknown): Promise<void> {
      const flag = typeof options === 'object' && options !== null ? (options as { flag?: 'w' | 'wx' | 'a' }).flag : undefined;
      return (fs.writeFile as (p: string, d: string | Uint8Array, o?: object) => Promise<void>)(pathOf(path), dataOf(data), flag === undefined ? undefined : { flag });
    },
    appendFile: (path: unknown, data: unknown): Promise<void> => (fs.appendFile as (p: string, d: string | Uint8Array) => Promise<void>)(pathOf(path), dataOf(data)),
    rename: (from: unknown, to: unknown): Promise<void> => fs.rename(pathOf(from), pathOf(to)),
    link: (from: unknown, to: unknown): Promise<void> => fs.link(pathOf(from), pathOf(to)),
    unlink: (path: unknown): Promise<void> => fs.unlink(pathOf(path)),
    async mkdir(path: unknown, options?: unknown): Promise<string | undefined> {
      const recursive = typeof options === 'object' && options !== null && (options as { recursive?: boolean }).recursive === true;
      const made = await fs.mkdir(pathOf(path), { recursive });
      return typeof made === 'string' ? made : undefined;
    },
    readdir(path: unknown, options?: unknown): Promise<unknown[]> {
      const withFileTypes = typeof options === 'object' && options !== null && (options as { withFileTypes?: boolean }).withFileTypes === true;
      return withFileTypes ? fs.readdir(pathOf(path), { withFileTypes: true }) : fs.readdir(pathOf(path));
    },
    stat: (path: unknown) => fs.stat(pathOf(path)),
    lstat: (path: unknown) => fs.lstat(pathOf(path)),
    rm: (path: unknown, options?: { recursive?: boolean; force?: boolean }): Promise<void> => fs.rm(pathOf(path), options),
    rmdir: (path: unknown): Promise<void> => fs.rmdir(pathOf(path)),
    utimes: (path: unknown, atime: unknown, mtime: unknown): Promise<void> => fs.utimes(pathOf(path), toSeconds(atime), toSeconds(mtime)),
    realpath: (path: unknown): Promise<string> => (typeof fs.realpath === 'function' ? fs.realpath(pathOf(path)) : Promise.resolve(pathOf(path))),
    async access(path: unknown): Promise<void> {
      await fs.stat(pathOf(path));
    },
    async open(path: unknown, flags?: string | number, mode?: number) {
      const fd = await descriptors().open(pathOf(path), flags ?? 'r', mode);
      return fileHandle(descriptors(), fd);
    },
    copyFile: (from: unknown, to: unknown, mode?: number): Promise<void> => descriptors().copyFile(pathOf(from), pathOf(to), exclusiveCopy(mode)),
    truncate: (path: unknown, length?: number): Promise<void> => descriptors().truncate(pathOf(path), length ?? 0),
    mkdtemp: (prefix: unknown): Promise<string> => fs.mkdtemp(pathOf(prefix)),
    chmod: (path: unknown, mode: number | string): Promise<void> => fs.chmod(pathOf(path), mode),
    symlink: (target: unknown, path: unknown): Promise<void> => fs.symlink(pathOf(target), pathOf(path)),
    readlink: (path: unknown): Promise<string> => fs.readlink(pathOf(path)),
    async opendir(path: unknown) {
      const entries = typeof fs.opendir === 'function' ? await fs.opendir(pathOf(path)) : await fs.readdir(pathOf(path), { withFileTypes: true });
      return directoryOver(pathOf(path), entries);
    },
  };
  return api;
}

/**
 * What `opendir` gives: a `Dir` that hands out `entries` one at a time (`read`, `readSync`, or
 * `for await`) until it is closed, as Node's does; reading or closing it after it closed fails with
 * `ERR_DIR_CLOSED`.
 */
function directoryOver(path: string, entries: readonly DirentLike[]) {
  let next = 0;
  let closed = false;
  const closedError = (): NodeJS.ErrnoException => Object.assign(new Error('Directory handle was closed'), { code: 'ERR_DIR_CLOSED' });
  const readSync = (): DirentLike | null => {
    if (closed) throw closedError();
    return next < entries.length ? (entries[next++] as DirentLike) : null;
  };
  const closeSync = (): void => {
    if (closed) throw closedError();
    closed = true;
  };
  const settle = <T>(work: () => T, callback?: (error: NodeJS.ErrnoException | null, result?: T) => void): Promise<T> | undefined => {
    const outcome = new Promise<T>((resolve) => resolve(work()));
    if (callback === undefined) return outcome;
    outcome.then((result) => callback(null, result), (error: NodeJS.ErrnoException) => callback(error));
    return undefined;
  };
  return {
    path,
    readSync,
    read: (callback?: (error: NodeJS.ErrnoException | null, entry?: DirentLike | null) => void) => settle(readSync, callback),
    closeSync,
    close: (callback?: (error: NodeJS.ErrnoException | null) => void) => settle(closeSync, callback),
    async *[Symbol.asyncIterator](): AsyncGenerator<DirentLike> {
      // As Node's: iterating reads to the end and closes the directory, also when the loop breaks.
      try {
        for (let entry = readSync(); entry !== null; entry = readSync()) yield entry;
      } finally {
        if (!closed) closed = true;
      }
    },
  };
}

/** What `fs/promises`' `open` gives: a handle over one descriptor. */
function fileHandle(fs: DescriptorFs, fd: number) {
  return {
    fd,
    read: (buffer: Uint8Array, offset = 0, length = buffer.byteLength - offset, position: number | null = null) =>
      fs.read(fd, buffer, offset, length, position).then((bytesRead) => ({ bytesRead, buffer })),
    write: (data: Uint8Array | string, offset = 0, length?: number, position: number | null = null) => {
      const buffer = typeof data === 'string' ? Buffer.from(data) : data;
      const count = length ?? buffer.byteLength - offset;
      return fs.write(fd, buffer, typeof data === 'string' ? 0 : offset, count, position).then((bytesWritten) => ({ bytesWritten, buffer: data }));
    },
    close: () => fs.close(fd),
    stat: () => fs.fstat(fd),
    sync: () => fs.fsync(fd),
    datasync: () => fs.fsync(fd),
    truncate: (length = 0) => fs.truncate(fd, length),
  };
}

/** `cb` from a Node-style argument list: the last argument, which must be a function. */
function splitCallback(args: unknown[]): [unknown[], Callback] {
  const callback = args[args.length - 1];
  if (typeof callback !== 'function') throw new TypeError('The "cb" argument must be of type function');
  return [args.slice(0, -1), callback as Callback];
}

/** Node's callback form of a promise call: `(…args, cb)`, `cb(error)` or `cb(null, result)`. */
function callbackForm(call: (...args: never[]) => Promise<unknown>, spread = false) {
  return (...all: unknown[]): void => {
    const [args, callback] = splitCallback(all);
    // The callback runs in a continuation: a throw there is the calling process's uncaught exception.
    (call as (...a: unknown[]) => Promise<unknown>)(...args).then(
      (result) => (spread && Array.isArray(result) ? callback(null, ...(result as unknown[])) : result === undefined ? callback(null) : callback(null, result)),
      (error: NodeJS.ErrnoException) => callback(error),
    );
  };
}

/** Synchronous calls the facade has no operation for: `ENOSYS`, as on a filesystem without them. */
const UNSUPPORTED_SYNC_CALLS = ['chownSync', 'cpSync', 'lchownSync', 'lutimesSync', 'futimesSync'] as const;

/** Whether `fs` can make an operation at once (the simulated volume can; Node's own promises cannot). */
function canCallSync(fs: FsPromises): fs is FsPromises & SyncCallFs {
  return typeof (fs as Partial<SyncCallFs>).callSync === 'function';
}

function optionFlag(options: unknown, name: string): boolean {
  return typeof options === 'object' && options !== null && (options as Record<string, unknown>)[name] === true;
}

/**
 * The synchronous calls over `fs`, each one operation made at once (`SyncCallFs`): zero virtual
 * time, faults and tracing as for the asynchronous forms. Arguments are read as Node reads them.
 */
function syncCallsOver(fs: FsPromises & SyncCallFs): Record<string, unknown> {
  const now = <T>(call: (fs: FsPromises & DescriptorFs) => Promise<T>): T => fs.callSync(call);
  const statSync = (which: 'stat' | 'lstat') => (path: unknown, options?: unknown) => {
    try {
      return now((volume) => volume[which](pathOf(path)));
    } catch (error) {
      // `{ throwIfNoEntry: false }`: a missing path is `undefined`, not an error.
      const quiet = typeof options === 'object' && options !== null && (options as { throwIfNoEntry?: boolean }).throwIfNoEntry === false;
      if (quiet && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const realpathSync = (path: unknown): string => now((volume) => volume.realpath(pathOf(path)));
  return {
    readFileSync(path: unknown, options?: unknown): string | Buffer {
      const read = now((volume) => (volume.readFile as unknown as (path: string) => Promise<string | Buffer>)(pathOf(path)));
      const bytes = Buffer.isBuffer(read) ? read : Buffer.from(read);
      const encoding = encodingOf(options);
      return encoding === undefined ? bytes : bytes.toString(encoding as BufferEncoding);
    },
    writeFileSync(path: unknown, data: unknown, options?: unknown): void {
      const flag = typeof options === 'object' && options !== null ? (options as { flag?: 'w' | 'wx' | 'a' }).flag : undefined;
      now((volume) => (volume.writeFile as (p: string, d: string | Uint8Array, o?: object) => Promise<void>)(pathOf(path), dataOf(data), flag === undefined ? undefined : { flag }));
    },
    appendFileSync(path: unknown, data: unknown): void {
      now((volume) => (volume.appendFile as (p: string, d: string | Uint8Array) => Promise<void>)(pathOf(path), dataOf(data)));
    },
    existsSync(path: unknown): boolean {
      try {
        now((volume) => volume.stat(pathOf(path)));
        return true;
      } catch {
        return false;
      }
    },
    accessSync(path: unknown): void {
      now((volume) => volume.stat(pathOf(path)));
    },
    mkdirSync(path: unknown, options?: unknown): string | undefined {
      const made = now((volume) => volume.mkdir(pathOf(path), { recursive: optionFlag(options, 'recursive') }));
      return typeof made === 'string' ? made : undefined;
    },
    renameSync: (from: unknown, to: unknown): void => now((volume) => volume.rename(pathOf(from), pathOf(to))),
    linkSync: (from: unknown, to: unknown): void => now((volume) => volume.link(pathOf(from), pathOf(to))),
    unlinkSync: (path: unknown): void => now((volume) => volume.unlink(pathOf(path))),
    rmdirSync: (path: unknown): void => now((volume) => volume.rmdir(pathOf(path))),
    rmSync: (path: unknown, options?: { recursive?: boolean; force?: boolean }): void => now((volume) => volume.rm(pathOf(path), options)),
    utimesSync: (path: unknown, atime: unknown, mtime: unknown): void => now((volume) => volume.utimes(pathOf(path), toSeconds(atime), toSeconds(mtime))),
    statSync: statSync('stat'),
    lstatSync: statSync('lstat'),
    readdirSync(path: unknown, options?: unknown): unknown[] {
      return optionFlag(options, 'withFileTypes') ? now((volume) => volume.readdir(pathOf(path), { withFileTypes: true })) : now((volume) => volume.readdir(pathOf(path)));
    },
    realpathSync: Object.assign(realpathSync, { native: realpathSync }),
    openSync: (path: unknown, flags?: string | number, mode?: number): number => now((volume) => volume.open(pathOf(path), flags ?? 'r', mode)),
    closeSync: (fd: number): void => now((volume) => volume.close(fd)),
    readSync(fd: number, buffer: Uint8Array, offsetOrOptions?: unknown, length?: number, position?: number | null): number {
      // Node's two shapes: (fd, buffer, offset, length, position) and (fd, buffer, { offset, length, position }).
      const options = typeof offsetOrOptions === 'object' && offsetOrOptions !== null ? (offsetOrOptions as { offset?: number; length?: number; position?: number | null }) : { offset: offsetOrOptions as number | undefined, length, position };
      const offset = options.offset ?? 0;
      return now((volume) => volume.read(fd, buffer, offset, options.length ?? buffer.byteLength - offset, options.position ?? null));
    },
    copyFileSync: (from: unknown, to: unknown, mode?: number): void => now((volume) => volume.copyFile(pathOf(from), pathOf(to), exclusiveCopy(mode))),
    fstatSync: (fd: number): StatsLike => now((volume) => volume.fstat(fd)),
    mkdtempSync: (prefix: unknown): string => now((volume) => volume.mkdtemp(pathOf(prefix))),
    chmodSync: (path: unknown, mode: number | string): void => now((volume) => volume.chmod(pathOf(path), mode)),
    symlinkSync: (target: unknown, path: unknown): void => now((volume) => volume.symlink(pathOf(target), pathOf(path))),
    readlinkSync: (path: unknown): string => now((volume) => volume.readlink(pathOf(path))),
    opendirSync: (path: unknown) => directoryOver(pathOf(path), now((volume) => volume.opendir(pathOf(path)))),
    fsyncSync: (fd: number): void => now((volume) => volume.fsync(fd)),
    fdatasyncSync: (fd: number): void => now((volume) => volume.fsync(fd)),
    truncateSync: (path: unknown, length?: number): void => now((volume) => volume.truncate(pathOf(path), length ?? 0)),
    ftruncateSync: (fd: number, length?: number): void => now((volume) => volume.truncate(fd, length ?? 0)),
    writeSync(fd: number, data: Uint8Array | string, offsetOrPosition?: unknown, length?: unknown, position?: unknown): number {
      // Node's two shapes: (fd, buffer, offset, length, position) and (fd, string, position, encoding).
      if (typeof data === 'string') {
        const buffer = Buffer.from(data);
        return now((volume) => volume.write(fd, buffer, 0, buffer.byteLength, typeof offsetOrPosition === 'number' ? offsetOrPosition : null));
      }
      const offset = typeof offsetOrPosition === 'number' ? offsetOrPosition : 0;
      const count = typeof length === 'number' ? length : data.byteLength - offset;
      return now((volume) => volume.write(fd, data, offset, count, typeof position === 'number' ? position : null));
    },
  };
}

/**
 * A `node:fs` module object over `fs` (a process's `Env.fs`). Each call is made on `fs` when it is
 * called, so the library's file I/O is the process's: latency, faults and trace events apply.
 */
export function nodeFsOver(fs: FsPromises): Record<string, unknown> {
  const promises = promisesOver(fs as AnyFs);
  const descriptors = fs as AnyFs;
  const module: Record<string, unknown> = {
    constants: realFs.constants,
    F_OK: realFs.constants.F_OK,
    R_OK: realFs.constants.R_OK,
    W_OK: realFs.constants.W_OK,
    X_OK: realFs.constants.X_OK,
    // The classes themselves, for libraries that extend them (graceful-fs); creating a stream is not simulated.
    ReadStream: realFs.ReadStream,
    WriteStream: realFs.WriteStream,
    Stats: realFs.Stats,
    Dirent: realFs.Dirent,
    promises,
    readFile: callbackForm(promises.readFile),
    writeFile: callbackForm(promises.writeFile),
    appendFile: callbackForm(promises.appendFile),
    rename: callbackForm(promises.rename),
    link: callbackForm(promises.link),
    unlink: callbackForm(promises.unlink),
    mkdir: callbackForm(promises.mkdir),
    readdir: callbackForm(promises.readdir),
    stat: callbackForm(promises.stat),
    lstat: callbackForm(promises.lstat),
    rm: callbackForm(promises.rm),
    rmdir: callbackForm(promises.rmdir),
    utimes: callbackForm(promises.utimes),
    realpath: Object.assign(callbackForm(promises.realpath), { native: callbackForm(promises.realpath) }),
    access: callbackForm(promises.access),
    exists: (path: unknown, callback: (exists: boolean) => void): void => {
      promises.stat(path).then(
        () => callback(true),
        () => callback(false),
      );
    },
    open: callbackForm((path: unknown, flags?: string | number, mode?: number) => {
      if (typeof descriptors.open !== 'function') return Promise.reject(enosys('open'));
      return descriptors.open(pathOf(path), flags ?? 'r', mode);
    }),
    close: callbackForm((fd: number) => (typeof descriptors.close === 'function' ? descriptors.close(fd) : Promise.reject(enosys('close')))),
    read: callbackForm(
      (fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) =>
        typeof descriptors.read === 'function' ? descriptors.read(fd, buffer, offset, length, position).then((bytesRead) => [bytesRead, buffer]) : Promise.reject(enosys('read')),
      true,
    ),
    write: callbackForm((fd: number, data: Uint8Array | string, offsetOrPosition?: unknown, length?: unknown, position?: unknown) => {
      if (typeof descriptors.write !== 'function') return Promise.reject(enosys('write'));
      // Node's two shapes: (fd, buffer, offset, length, position) and (fd, string, position, encoding).
      if (typeof data === 'string') {
        const buffer = Buffer.from(data);
        return descriptors.write(fd, buffer, 0, buffer.byteLength, typeof offsetOrPosition === 'number' ? offsetOrPosition : null).then((written) => [written, data]);
      }
      const offset = typeof offsetOrPosition === 'number' ? offsetOrPosition : 0;
      const count = typeof length === 'number' ? length : data.byteLength - offset;
      return descriptors.write(fd, data, offset, count, typeof position === 'number' ? position : null).then((written) => [written, data]);
    }, true),
    copyFile: callbackForm(promises.copyFile),
    truncate: callbackForm(promises.truncate),
    mkdtemp: callbackForm(promises.mkdtemp),
    chmod: callbackForm(promises.chmod),
    symlink: callbackForm(promises.symlink),
    readlink: callbackForm(promises.readlink),
    opendir: callbackForm(promises.opendir),
    fstat: callbackForm((fd: number) => (typeof descriptors.fstat === 'function' ? descriptors.fstat(fd) : Promise.reject(enosys('fstat')))),
    fsync: callbackForm((fd: number) => (typeof descriptors.fsync === 'function' ? descriptors.fsync(fd) : Promise.reject(enosys('fsync')))),
    fdatasync: callbackForm((fd: number) => (typeof descriptors.fsync === 'function' ? descriptors.fsync(fd) : Promise.reject(enosys('fdatasync')))),
    ftruncate: callbackForm((fd: number, length?: number) => (typeof descriptors.truncate === 'function' ? descriptors.truncate(fd, length ?? 0) : Promise.reject(enosys('ftruncate')))),
    createReadStream: (): never => {
      throw enosys('createReadStream');
    },
    createWriteStream: (): never => {
      throw enosys('createWriteStream');
    },
    watch: (): never => {
      throw enosys('watch');
    },
  };
  for (const name of UNSUPPORTED_SYNC_CALLS) {
    module[name] = (): never => {
      throw enosys(name);
    };
  }
  if (canCallSync(fs)) Object.assign(module, syncCallsOver(fs));
  else {
    // Without a way to make an operation at once, no synchronous call can reach the volume.
    for (const name of Object.keys(syncCallsOver({ callSync: () => undefined as never } as unknown as FsPromises & SyncCallFs))) {
      module[name] = (): never => {
        throw enosys(`${name} (this filesystem cannot make an operation at once)`);
      };
    }
    (module.realpathSync as { native?: unknown }).native = module.realpathSync;
  }
  return module;
}
