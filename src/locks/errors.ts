/**
 * The errors a lock backend or `withLock` throws. Each names the backend it comes from, and any URL
 * in a message has its password replaced by `***`, so an error can be printed or put in a report as is.
 *
 * Two families: a lock that failed at work (`LockError`: timed out, lost, corrupt state), and a lock
 * that could not work with the input it was given (`LockConfigError`, `LockUnavailableError`), which
 * are `InputError`s so that every caller treats them as the user's to fix.
 */
import { InputError } from '../env/errors.js';

/** The base class of failures at work: `instanceof LockError` catches a timeout, a lost lease, a corrupt state. */
export class LockError extends Error {
  override readonly name: string = 'LockError';
  constructor(
    /** The backend that failed: `memory`, `file`, `sqlite` or `postgres`. */
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A lock spec, URL or option that cannot work: fix the input, retrying will not help. */
export class LockConfigError extends InputError {
  override readonly name = 'LockConfigError';
  constructor(
    /** The backend that refused: `memory`, `file`, `sqlite`, `postgres`, or `spec` for a bad lock spec. */
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The lock store could not be reached (connection refused, unknown host, unopenable file). */
export class LockUnavailableError extends InputError {
  override readonly name = 'LockUnavailableError';
  constructor(
    /** The backend whose store is out of reach. */
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `withLock` gave up waiting for a lease. */
export class LockTimeoutError extends LockError {
  override readonly name = 'LockTimeoutError';
  constructor(
    backend: string,
    readonly key: string,
    readonly owner: string,
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(backend, `${backend} lock: ${owner} gave up acquiring "${key}" after ${waitedMs} ms`, options);
  }
}

/** The lease `withLock` held was lost (taken over, expired, or could not be renewed in time). */
export class LockLostError extends LockError {
  override readonly name = 'LockLostError';
  constructor(
    backend: string,
    readonly key: string,
    readonly token: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(backend, `${backend} lock: lease on "${key}" (token ${token}) lost: ${reason}`, options);
  }
}

/**
 * The stored lock state cannot be read (e.g. a lock file that is not valid JSON). It is never
 * repaired or deleted automatically: it may belong to a live holder, so a person must look at it.
 */
export class LockStateCorruptError extends LockError {
  override readonly name = 'LockStateCorruptError';
  constructor(
    backend: string,
    /** The file (or row) that could not be read. */
    readonly location: string,
    detail: string,
  ) {
    super(backend, `${backend} lock: corrupt lock state at ${location}: ${detail}`);
  }
}

/** `url` with any password replaced by `***`; a string that is not a URL has everything after `//user:` masked. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}
