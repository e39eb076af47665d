/**
 * The simulator's agenda: a binary min-heap of scheduled events in one total order.
 *
 * Tie-break rules, in order (each one is needed for a seed to replay exactly):
 * 1. `time`: earlier virtual time first.
 * 2. `lane`: at one instant, faults fire before world actions, and world actions before process
 *    wake-ups, so a crash or pause at `t` takes effect before the target runs at `t`.
 * 3. `seq`: creation order, a counter that only the world increments; it makes the order total.
 *    Under the seeded tie order (`WorldOptions.tieOrder`) the world draws `seq` instead: a random
 *    key from the run's `ties` stream, the creation counter in its low bits, so events due at one
 *    instant in one lane fire in an order the seed shuffles (the same seed, the same order), and
 *    races a fixed first-come order never shows get their turn. Lanes keep their order either way.
 */
export const enum Lane {
  Fault = 0,
  World = 1,
  Process = 2,
}

export interface ScheduledEvent {
  time: number;
  readonly lane: Lane;
  seq: number;
  /** The incarnation whose wake-up this is, so a crash can drop it and a pause can defer it. */
  readonly owner: EventOwner | null;
  readonly fire: () => void;
  cancelled: boolean;
  /**
   * Whether the queue may reuse this record once it leaves the heap (`pushReusable`): only for
   * events nobody holds a handle to, since a handle could otherwise cancel a later event.
   */
  readonly reusable: boolean;
}

/** A reusable record, as the queue alone sees it. */
type ReusableEvent = { -readonly [K in keyof ScheduledEvent]: ScheduledEvent[K] };

/** What a record in the pool fires if it were ever fired by mistake: nothing. */
const SPENT = (): void => undefined;

export interface EventOwner {
  readonly alive: boolean;
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.lane !== b.lane) return a.lane < b.lane;
  return a.seq < b.seq;
}

export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  /**
   * Records of reusable events that left the heap. A wake-up record lives as long as its sleep, long
   * enough to be copied twice by the young-generation collector and then promoted; reusing the
   * records of fired ones means a busy simulation allocates almost none of them.
   */
  private readonly pool: ReusableEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** Schedules an event nobody will cancel, reusing a spent record when one is free. */
  pushReusable(time: number, lane: Lane, seq: number, owner: EventOwner | null, fire: () => void): void {
    const record = this.pool.pop();
    if (record === undefined) {
      this.push({ time, lane, seq, owner, fire, cancelled: false, reusable: true });
      return;
    }
    record.time = time;
    record.lane = lane;
    record.seq = seq;
    record.owner = owner;
    record.fire = fire;
    this.push(record);
  }

  push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentEvent = heap[parent] as ScheduledEvent;
      if (!before(event, parentEvent)) break;
      heap[index] = parentEvent;
      index = parent;
    }
    heap[index] = event;
  }

  /** The next live event, discarding cancelled ones and wake-ups of dead incarnations. */
  peek(): ScheduledEvent | undefined {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0] as ScheduledEvent;
      if (!top.cancelled && (top.owner === null || top.owner.alive)) return top;
      this.pop();
    }
    return undefined;
  }

  /**
   * Removes the top event. A reusable one goes back to the pool at once: read what it holds before
   * calling this, and hold no reference to it after.
   */
  pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) this.siftDown(last, 0);
    if (top !== undefined && top.reusable) {
      const record = top as ReusableEvent;
      // Hold on to nothing of the event it was: its owner and its promise's resolver can go.
      record.owner = null;
      record.fire = SPENT;
      this.pool.push(record);
    }
    return top;
  }

  /** Moves every event of `owner` by `shiftMs` (a pause); rare, so a full rebuild is fine. */
  shiftOwner(owner: EventOwner, shiftMs: number): void {
    for (const event of this.heap) if (event.owner === owner) event.time += shiftMs;
    for (let index = (this.heap.length >> 1) - 1; index >= 0; index--) {
      this.siftDown(this.heap[index] as ScheduledEvent, index);
    }
  }

  private siftDown(event: ScheduledEvent, start: number): void {
    const heap = this.heap;
    const length = heap.length;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right] as ScheduledEvent, heap[left] as ScheduledEvent)) child = right;
      const childEvent = heap[child] as ScheduledEvent;
      if (!before(childEvent, event)) break;
      heap[index] = childEvent;
      index = child;
    }
    heap[index] = event;
  }
}
