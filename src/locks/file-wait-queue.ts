/**
 * The waiting line (`wait-queue.ts`) in a lock directory, for the file lock: one directory per
 * line, `queue-<key>/`, one file per place, `t-<ticket>.json` holding `{owner, expiresAt}` (the
 * caller's clock judges expiry, as for the file lock itself).
 *
 * A join lists the directory and publishes ticket highest+1 with `link(temp, t-N)`, which fails with
 * `EEXIST` when another joiner took N first; the loser lists again. A leave does not delete its file
 * but marks it left (`owner: null`), and the highest file is never deleted, so a ticket is never
 * handed out twice; lower files that are left or lapsed are collected by the joins.
 */
import { errorCode, type FsPromises } from '../env/fs.js';
import { LockConfigError } from './errors.js';
import type { QueuePlace, WaitQueue } from './wait-queue.js';

const PLACE_FILE = /^t-(\d+)\.json$/;

interface PlaceRecord {
  readonly owner: string | null;
  readonly expiresAt: number;
}

export function createFileWaitQueue(fs: FsPromises, dir: string, options: { readonly now: () => number }): WaitQueue {
  if (dir === '') throw new LockConfigError('file', 'file wait queue: the directory must not be empty');
  const { now } = options;
  const root = dir.replace(/\/+$/, '') || '/';
  let tempCounter = 0;
  const lineDir = (key: string): string => `${root}/queue-${encodeURIComponent(key).replace(/[.*!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
  const placePath = (directory: string, ticket: number): string => `${directory}/t-${String(ticket).padStart(12, '0')}.json`;

  async function tickets(directory: string): Promise<number[]> {
    let names: string[];
    try {
      names = await fs.readdir(directory);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      await fs.mkdir(directory, { recursive: true });
      names = [];
    }
    return names.flatMap((name) => {
      const match = PLACE_FILE.exec(name)?.[1];
      return match === undefined ? [] : [Number(match)];
    }).sort((a, b) => a - b);
  }

  /** A place's record; `null` when its file is gone. An unreadable file counts as a live place: it may be one being written. */
  async function read(path: string): Promise<PlaceRecord | null> {
    try {
      const value = JSON.parse(await fs.readFile(path, 'utf8')) as Partial<PlaceRecord> | null;
      if (value !== null && typeof value === 'object' && typeof value.expiresAt === 'number' && (value.owner === null || typeof value.owner === 'string')) return value as PlaceRecord;
      return { owner: '?', expiresAt: Infinity };
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      if (error instanceof SyntaxError) return { owner: '?', expiresAt: Infinity };
      throw error;
    }
  }

  async function writeTemp(directory: string, record: PlaceRecord, owner: string): Promise<string> {
    tempCounter += 1;
    const temp = `${directory}/tmp-${owner.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}-${tempCounter}.json`;
    await fs.writeFile(temp, JSON.stringify(record));
    return temp;
  }

  const live = (record: PlaceRecord | null, at: number): boolean => record !== null && record.owner !== null && record.expiresAt > at;

  return {
    name: 'file',
    async join(key, owner, ttlMs) {
      const directory = lineDir(key);
      for (;;) {
        const all = await tickets(directory);
        const highest = all.at(-1) ?? 0;
        // Collect left and lapsed places below the highest (the highest stays: it carries the count).
        const at = now();
        for (const ticket of all.slice(0, -1)) {
          const path = placePath(directory, ticket);
          if (!live(await read(path), at)) await fs.unlink(path).catch(() => undefined);
        }
        const record: PlaceRecord = { owner, expiresAt: now() + ttlMs };
        const temp = await writeTemp(directory, record, owner);
        try {
          await fs.link(temp, placePath(directory, highest + 1));
          return { key, owner, ticket: highest + 1, expiresAt: record.expiresAt };
        } catch (error) {
          if (errorCode(error) !== 'EEXIST') throw error;
        } finally {
          await fs.unlink(temp).catch(() => undefined);
        }
      }
    },
    async keep(place, ttlMs) {
      const directory = lineDir(place.key);
      const path = placePath(directory, place.ticket);
      const at = now();
      const record = await read(path);
      if (record === null || record.owner !== place.owner || record.expiresAt <= at) return null;
      const kept: PlaceRecord = { owner: place.owner, expiresAt: at + ttlMs };
      await fs.rename(await writeTemp(directory, kept, place.owner), path);
      let ahead = 0;
      for (const ticket of await tickets(directory)) {
        if (ticket >= place.ticket) break;
        if (live(await read(placePath(directory, ticket)), at)) ahead += 1;
      }
      return { place: { ...place, expiresAt: kept.expiresAt }, ahead };
    },
    async leave(place: QueuePlace) {
      const directory = lineDir(place.key);
      const path = placePath(directory, place.ticket);
      const record = await read(path);
      if (record === null || record.owner !== place.owner) return false;
      await fs.rename(await writeTemp(directory, { owner: null, expiresAt: record.expiresAt }, place.owner), path);
      return record.expiresAt > now();
    },
    async close() {},
  };
}
