/**
 * A lock kept in files, correct on a real POSIX filesystem shared by many processes, and on the
 * simulated volume.
 *
 * Layout: one directory per key, holding numbered generation files `gen-<N>.json`. The file with the
 * highest N is the key's state. Every change of state (acquire, renew, release) is the creation of
 * generation N+1 by someone who read generation N, so whoever creates N+1 first wins and every other
 * writer that read N loses: there is no check-then-act gap. A generation is published atomically and
 * exclusively with `link(temp, gen-N)`, which fails with `EEXIST` if it exists, so no reader ever
 * sees a half-written file. The fencing token is the generation number of the acquisition; renewals
 * keep it, so tokens strictly increase per key.
 *
 * Garbage collection deletes only generations below the highest one. That opens one subtle case: a
 * writer delayed for long can re-create a generation that was already collected. Such a file always
 * sits below a higher generation (a generation is only collected once a higher one exists), so every
 * writer lists the directory again after publishing and counts a win only if its generation is still
 * the highest, or if the generation right above it was built on it: each record names its writer and
 * the writers of the last generations it descends from (its lineage), and nobody builds on a
 * re-created generation (readers take only the highest), so a later generation naming us proves our
 * generation was the key's state. That case is ordinary after a release: the next acquirer may
 * publish on top before the releaser looks again, and the release did take effect. The lineage, not
 * only the record right above, is what makes it provable after a pause: by the time a paused
 * releaser looks again, the generations built on its release may already be collected (lock seed
 * 868 under swarm: a release answered false though it took effect).
 *
 * A generation file that is not valid JSON is reported with its path and left alone: it may be the
 * state of a live holder, and only a person can decide what it should be.
 */
import { errorCode, type FsPromises } from '../env/fs.js';
import { LockConfigError, LockStateCorruptError } from './errors.js';
import type { Lease, LockBackend } from './lock.js';

export interface FileLockOptions {
  /** The clock that judges expiry, in ms: the caller's (`env.now`). */
  readonly now: () => number;
  /**
   * Temporary files older than this (by the clock of the process that wrote them) are left over from
   * a writer that crashed between writing and publishing, and are deleted. Default 60 000 ms.
   */
  readonly staleTempMs?: number;
  /**
   * How long past its expiry a lease still counts as held when someone else asks for the key, ms:
   * room for callers' clocks that disagree by up to this much (an acquirer whose clock runs ahead
   * of the holder's would otherwise take over while the holder still believes it holds). Default 0.
   */
  readonly expiryMarginMs?: number;
}

/** What a generation file holds. `owner` is `null` once the lease was released. */
interface LockRecord {
  readonly owner: string | null;
  readonly token: number;
  readonly acquiredAt: number;
  readonly expiresAt: number;
  /** Who published this generation (its temporary file's name); absent in files written before it was kept. */
  readonly writer?: string;
  /** The writer of the generation this one replaced. */
  readonly basis?: string;
  /** The writers of the generations this one descends from, the one it replaced first, at most `LINEAGE`. */
  readonly lineage?: readonly string[];
}

interface KeyState {
  /** 0 when the key was never locked. */
  readonly generation: number;
  readonly record: LockRecord | null;
}

const GENERATION_FILE = /^gen-(\d+)\.json$/;
const TEMP_FILE = /^tmp-.*-(\d+)\.json$/;
/** A lost race is retried this many times before giving up: each loss means someone else progressed. */
const MAX_ATTEMPTS = 4;
/**
 * How many ancestors a record names: a writer proves its win if the key's state is at most this many
 * generations past its own when it looks again (past that, the win is not claimed).
 */
const LINEAGE = 16;

/** A `LockBackend` over `fs` in directory `dir`; every process that passes the same `dir` shares the locks. */
export function createFileLock(fs: FsPromises, dir: string, options: FileLockOptions): LockBackend {
  if (dir === '') throw new LockConfigError('file', 'file lock: the directory must not be empty');
  const { now } = options;
  const staleTempMs = options.staleTempMs ?? 60_000;
  const expiryMarginMs = options.expiryMarginMs ?? 0;
  const root = dir.replace(/\/+$/, '') || '/';
  const createdDirs = new Set<string>();
  let tempCounter = 0;

  const keyDir = (key: string): string => `${root}/key-${encodeKey(key)}`;
  const generationPath = (directory: string, generation: number): string =>
    `${directory}/gen-${String(generation).padStart(12, '0')}.json`;

  async function list(directory: string): Promise<string[]> {
    try {
      return await fs.readdir(directory);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      await fs.mkdir(directory, { recursive: true });
      createdDirs.add(directory);
      return [];
    }
  }

  function highestGeneration(names: readonly string[]): number {
    let highest = 0;
    for (const name of names) {
      const match = GENERATION_FILE.exec(name);
      if (match?.[1] !== undefined) highest = Math.max(highest, Number(match[1]));
    }
    return highest;
  }

  async function readState(directory: string): Promise<KeyState> {
    for (;;) {
      const generation = highestGeneration(await list(directory));
      if (generation === 0) return { generation, record: null };
      const path = generationPath(directory, generation);
      let text: string;
      try {
        text = await fs.readFile(path, 'utf8');
      } catch (error) {
        // Collected between listing and reading: a higher generation exists now, so look again.
        if (errorCode(error) === 'ENOENT') continue;
        throw error;
      }
      return { generation, record: parseRecord(text, path, generation) };
    }
  }

  /**
   * Publishes `record` as generation `generation` on top of `replaced`; true if it became the key's
   * state (it may already have been replaced by a successor built on it).
   */
  async function publish(directory: string, generation: number, record: LockRecord, owner: string, replaced: LockRecord | null): Promise<boolean> {
    const target = generationPath(directory, generation);
    const basis = replaced?.writer;
    const lineage = basis === undefined ? [] : [basis, ...(replaced?.lineage ?? [])].slice(0, LINEAGE);
    const temp = await writeTemp(directory, (writer) => JSON.stringify({ ...record, writer, ...(basis === undefined ? {} : { basis, lineage }) }), owner);
    const writer = temp.slice(directory.length + 1);
    let linked = false;
    try {
      await fs.link(temp, target);
      linked = true;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    } finally {
      await fs.unlink(temp).catch(() => undefined);
    }
    if (!linked) return false;
    const names = await list(directory);
    if (highestGeneration(names) !== generation) return builtOn(directory, writer);
    await collectGarbage(directory, names, generation);
    return true;
  }

  /** Whether the key's state now descends from the generation `writer` published. */
  async function builtOn(directory: string, writer: string): Promise<boolean> {
    const { record } = await readState(directory);
    return record !== null && (record.writer === writer || record.basis === writer || (record.lineage ?? []).includes(writer));
  }

  async function writeTemp(directory: string, content: (writer: string) => string, owner: string): Promise<string> {
    for (;;) {
      tempCounter += 1;
      const name = `tmp-${sanitize(owner)}-${tempCounter}-${Math.floor(now())}.json`;
      const temp = `${directory}/${name}`;
      try {
        await fs.writeFile(temp, content(name), { flag: 'wx' });
        return temp;
      } catch (error) {
        // Another lock object with the same owner name picked the same counter: take the next one.
        if (errorCode(error) !== 'EEXIST') throw error;
      }
    }
  }

  async function collectGarbage(directory: string, names: readonly string[], current: number): Promise<void> {
    const at = now();
    for (const name of names) {
      const generation = GENERATION_FILE.exec(name)?.[1];
      const writtenAt = TEMP_FILE.exec(name)?.[1];
      const stale = (generation !== undefined && Number(generation) < current) || (writtenAt !== undefined && Number(writtenAt) + staleTempMs < at);
      if (stale) await fs.unlink(`${directory}/${name}`).catch(() => undefined);
    }
  }

  async function ensureDir(directory: string): Promise<void> {
    if (createdDirs.has(directory)) return;
    await fs.mkdir(directory, { recursive: true });
    createdDirs.add(directory);
  }

  const isCurrent = (record: LockRecord | null, lease: Lease): record is LockRecord =>
    record !== null && record.owner === lease.owner && record.token === lease.token;

  return {
    name: 'file',

    async tryAcquire(key, owner, ttlMs) {
      const directory = keyDir(key);
      await ensureDir(directory);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const { generation, record } = await readState(directory);
        const at = now();
        if (record !== null && record.owner !== null && record.expiresAt + expiryMarginMs > at) return null;
        const next: LockRecord = { owner, token: generation + 1, acquiredAt: at, expiresAt: at + ttlMs };
        if (await publish(directory, generation + 1, next, owner, record)) return { key, owner, ...tokenAndTimes(next) };
      }
      return null;
    },

    async renew(lease, ttlMs) {
      const directory = keyDir(lease.key);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const { generation, record } = await readState(directory);
        const at = now();
        if (!isCurrent(record, lease) || record.expiresAt <= at) return null;
        const next: LockRecord = { owner: record.owner, token: record.token, acquiredAt: record.acquiredAt, expiresAt: at + ttlMs };
        if (await publish(directory, generation + 1, next, lease.owner, record)) return { ...lease, ...tokenAndTimes(next) };
      }
      return null;
    },

    async release(lease) {
      const directory = keyDir(lease.key);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const { generation, record } = await readState(directory);
        if (!isCurrent(record, lease)) return false;
        const next: LockRecord = { owner: null, token: record.token, acquiredAt: record.acquiredAt, expiresAt: Math.min(record.expiresAt, now()) };
        if (await publish(directory, generation + 1, next, lease.owner, record)) return true;
      }
      return false;
    },

    async close() {},
  };
}

function tokenAndTimes(record: LockRecord): Pick<Lease, 'token' | 'acquiredAt' | 'expiresAt'> {
  return { token: record.token, acquiredAt: record.acquiredAt, expiresAt: record.expiresAt };
}

function parseRecord(text: string, path: string, generation: number): LockRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LockStateCorruptError('file', path, `not valid JSON (${(error as Error).message})`);
  }
  const record = value as Partial<Record<keyof LockRecord, unknown>> | null;
  const valid =
    typeof record === 'object' && record !== null &&
    (record.owner === null || typeof record.owner === 'string') &&
    Number.isSafeInteger(record.token) && (record.token as number) >= 1 && (record.token as number) <= generation &&
    typeof record.acquiredAt === 'number' && typeof record.expiresAt === 'number' &&
    (record.writer === undefined || typeof record.writer === 'string') && (record.basis === undefined || typeof record.basis === 'string') &&
    (record.lineage === undefined || (Array.isArray(record.lineage) && record.lineage.every((name) => typeof name === 'string')));
  if (!valid) throw new LockStateCorruptError('file', path, `not a lock record: ${text.slice(0, 200)}`);
  return record as LockRecord;
}

/** A key as one safe directory-name component: `/`, `.` and the like are percent-encoded. */
function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/[.*!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function sanitize(owner: string): string {
  return owner.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}
