/**
 * A first-come-first-served waiting line kept in the lock store, beside the locks: what makes the
 * jobs waiting for one lock take it in the order they asked for it, instead of in whichever order
 * their backoff timers happen to fire.
 *
 * A waiter `join`s the line of a key and gets a ticket: tickets strictly increase per line over
 * every join, so they record the order of arrival in the store itself. A place is a lease like a
 * lock's: the waiter `keep`s it (each call extends it by `ttlMs` and answers how many live places
 * are ahead), and a place whose waiter stopped keeping it lapses, so a waiter that died never holds
 * up the line for longer than one TTL. The waiter whose answer is "nobody ahead" is first; it takes
 * the lock and then `leave`s the line. Expiry is judged by the same clock as the store's locks.
 */
export interface QueuePlace {
  readonly key: string;
  readonly owner: string;
  /** Strictly increasing per line in order of `join`. */
  readonly ticket: number;
  /** When the place lapses unless kept, in ms on the clock that judges expiry. */
  readonly expiresAt: number;
}

/** What `keep` answers while the place is still held. */
export interface KeptPlace {
  readonly place: QueuePlace;
  /** Live places with a lower ticket. */
  readonly ahead: number;
}

export interface WaitQueue {
  /** `memory`, `file`, `sqlite`, `postgres`: the store it lives in. */
  readonly name: string;
  /** Joins the line of `key` at its end. */
  join(key: string, owner: string, ttlMs: number): Promise<QueuePlace>;
  /** Extends the place and counts the places ahead; `null` when it lapsed or was removed. */
  keep(place: QueuePlace, ttlMs: number): Promise<KeptPlace | null>;
  /** Leaves the line; `false` when the place had already lapsed or gone. */
  leave(place: QueuePlace): Promise<boolean>;
  close?(): Promise<void>;
}

/** The lines of one in-memory store; pass one to several `createMemoryWaitQueue` calls to share it. */
export class MemoryQueueState {
  readonly lines = new Map<string, { lastTicket: number; places: Map<number, { owner: string; expiresAt: number }> }>();
}

/** A waiting line in this process's memory (in simulation: on the one lock server). */
export function createMemoryWaitQueue(options: { readonly now: () => number; readonly state?: MemoryQueueState }): WaitQueue {
  const { now } = options;
  const { lines } = options.state ?? new MemoryQueueState();
  const lineOf = (key: string) => {
    let line = lines.get(key);
    if (line === undefined) lines.set(key, (line = { lastTicket: 0, places: new Map() }));
    return line;
  };
  return {
    name: 'memory',
    async join(key, owner, ttlMs) {
      const line = lineOf(key);
      line.lastTicket += 1;
      const expiresAt = now() + ttlMs;
      line.places.set(line.lastTicket, { owner, expiresAt });
      return { key, owner, ticket: line.lastTicket, expiresAt };
    },
    async keep(place, ttlMs) {
      const at = now();
      const line = lineOf(place.key);
      for (const [ticket, entry] of line.places) if (entry.expiresAt <= at) line.places.delete(ticket);
      const entry = line.places.get(place.ticket);
      if (entry === undefined || entry.owner !== place.owner) return null;
      entry.expiresAt = at + ttlMs;
      let ahead = 0;
      for (const ticket of line.places.keys()) if (ticket < place.ticket) ahead += 1;
      return { place: { ...place, expiresAt: entry.expiresAt }, ahead };
    },
    async leave(place) {
      const line = lineOf(place.key);
      const entry = line.places.get(place.ticket);
      if (entry === undefined || entry.owner !== place.owner) return false;
      line.places.delete(place.ticket);
      return entry.expiresAt > now();
    },
    async close() {},
  };
}
