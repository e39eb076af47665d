/**
 * The subset of `node:fs/promises` that systems and lock backends may use. Both `node:fs/promises`
 * and the simulated volume satisfy it, so a backend written against it runs on either.
 */
export interface StatsLike {
  readonly size: number;
  readonly mtimeMs: number;
  /** `mtimeMs` as a `Date`, as libraries that compare modification times read it. */
  readonly mtime: Date;
  isFile(): boolean;
  isDirectory(): boolean;
  /** True only from `lstat` on a symbolic link. */
  isSymbolicLink(): boolean;
  /** The file's type and permission bits (`mode & 0o777` are the permissions), as `chmod` set them. */
  readonly mode?: number;
}

/** A directory entry from `readdir(path, { withFileTypes: true })`. */
export interface DirentLike {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface WriteOptions {
  /** `'wx'` creates exclusively: it fails with `EEXIST` when the path exists. */
  readonly flag?: 'w' | 'wx' | 'a';
  readonly encoding?: 'utf8';
}

export interface FsPromises {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, options?: WriteOptions | 'utf8'): Promise<void>;
  appendFile(path: string, data: string, encoding?: 'utf8'): Promise<void>;
  /** Atomic on POSIX: replaces `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Creates a hard link; fails with `EEXIST` when `to` exists (an atomic exclusive publish). */
  link(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<string | undefined | void>;
  readdir(path: string): Promise<string[]>;
  /** The entries with their types, in one call (as `node:fs/promises`). */
  readdir(path: string, options: { withFileTypes: true }): Promise<DirentLike[]>;
  stat(path: string): Promise<StatsLike>;
  /** `stat` without following a final symbolic link. */
  lstat(path: string): Promise<StatsLike>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  /** Removes an empty directory (`ENOTEMPTY` otherwise). */
  rmdir(path: string): Promise<void>;
  /** Sets access and modification times: seconds since the epoch, or `Date`s (lock libraries refresh a lock file's mtime this way). */
  utimes(path: string, atime: number | Date, mtime: number | Date): Promise<void>;
  /** Creates a new directory named `prefix` plus six random characters; gives its path (a private scratch directory). */
  mkdtemp(prefix: string): Promise<string>;
  /** Sets the permission bits (`0o600`, or octal digits as a string). */
  chmod(path: string, mode: number | string): Promise<void>;
  /** Creates a symbolic link at `path` pointing to `target`. */
  symlink(target: string, path: string): Promise<void>;
  /** Where the symbolic link at `path` points. */
  readlink(path: string): Promise<string>;
}

/** Errors from a filesystem carry a POSIX code (`ENOENT`, `EEXIST`, `EIO`, `ENOSPC`, ...). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
