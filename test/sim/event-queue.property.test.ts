/**
 * Properties of the simulator's agenda: whatever is pushed, in whatever order, and however pushes,
 * pops, cancellations, deaths and pauses interleave, the queue hands out events in the one total
 * order its header documents: time, then lane (fault, world, process), then creation order.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EventQueue, type EventOwner, type Lane, type ScheduledEvent } from '../../src/sim/event-queue.js';

/** A mutable owner, so a test can kill it. */
interface TestOwner extends EventOwner {
  alive: boolean;
}

const lane = fc.constantFrom(0, 1, 2) as fc.Arbitrary<Lane>;
/** Few distinct times, so ties (the interesting part) are common. */
const time = fc.integer({ min: 0, max: 20 });

function event(seq: number, at: { time: number; lane: Lane }, owner: EventOwner | null = null): ScheduledEvent {
  return { time: at.time, lane: at.lane, seq, owner, fire: () => undefined, cancelled: false, reusable: false };
}

/** The documented order, written as plainly as possible: the reference the heap is checked against. */
function documentedOrder(a: ScheduledEvent, b: ScheduledEvent): number {
  return a.time - b.time || a.lane - b.lane || a.seq - b.seq;
}

function drain(queue: EventQueue): ScheduledEvent[] {
  const out: ScheduledEvent[] = [];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) out.push(next);
  return out;
}

describe('EventQueue order (property)', () => {
  test('pops every pushed event once, in (time, lane, creation) order, whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ time, lane }), { maxLength: 200 }), fc.infiniteStream(fc.nat()), (slots, shuffle) => {
        const events = slots.map((slot, seq) => event(seq, slot));
        // Push in an arbitrary order: the seq, not the push order, breaks the last tie.
        const pushOrder = [...events];
        for (let index = pushOrder.length - 1; index > 0; index--) {
          const other = (shuffle.next().value as number) % (index + 1);
          [pushOrder[index], pushOrder[other]] = [pushOrder[other] as ScheduledEvent, pushOrder[index] as ScheduledEvent];
        }
        const queue = new EventQueue();
        for (const scheduled of pushOrder) queue.push(scheduled);
        expect(queue.size).toBe(events.length);
        expect(drain(queue)).toEqual([...events].sort(documentedOrder));
        expect(queue.size).toBe(0);
      }),
    );
  });

  test('interleaved pushes and pops: each pop is the least event then queued', () => {
    const operation = fc.oneof(fc.record({ push: fc.record({ time, lane }) }), fc.constant({ pop: true as const }));
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), (operations) => {
        const queue = new EventQueue();
        let model: ScheduledEvent[] = [];
        let seq = 0;
        for (const operation of operations) {
          if ('push' in operation) {
            const scheduled = event(seq++, operation.push);
            queue.push(scheduled);
            model.push(scheduled);
          } else {
            model.sort(documentedOrder);
            expect(queue.pop()).toBe(model[0]);
            model = model.slice(1);
          }
          expect(queue.size).toBe(model.length);
        }
      }),
    );
  });

  test('reusable records: interleaved with plain events, each pop fires the wake-up last scheduled, in the documented order', () => {
    const operation = fc.oneof(fc.record({ push: fc.record({ time, lane, reusable: fc.boolean() }) }), fc.constant({ pop: true as const }));
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), (operations) => {
        const queue = new EventQueue();
        const model: Array<{ time: number; lane: Lane; seq: number }> = [];
        const firedSeqs: number[] = [];
        let seq = 0;
        for (const operation of operations) {
          if ('push' in operation) {
            const { time: at, lane: slot, reusable } = operation.push;
            const mine = seq++;
            const fire = (): void => void firedSeqs.push(mine);
            if (reusable) queue.pushReusable(at, slot, mine, null, fire);
            else queue.push({ time: at, lane: slot, seq: mine, owner: null, fire, cancelled: false, reusable: false });
            model.push({ time: at, lane: slot, seq: mine });
          } else {
            model.sort((a, b) => a.time - b.time || a.lane - b.lane || a.seq - b.seq);
            const top = queue.peek();
            const expected = model.shift();
            if (expected === undefined) {
              expect(top).toBeUndefined();
              continue;
            }
            // As the driver does: read the event, then pop (a reusable record goes back to the pool), then fire.
            const at = { time: top?.time, lane: top?.lane, seq: top?.seq };
            const fire = top?.fire;
            queue.pop();
            fire?.();
            expect(at).toEqual(expected);
            expect(firedSeqs[firedSeqs.length - 1]).toBe(expected.seq);
          }
          expect(queue.size).toBe(model.length);
        }
      }),
    );
  });

  test('a reusable record back in the pool holds neither its owner nor its wake-up', () => {
    const queue = new EventQueue();
    const owner: TestOwner = { alive: true };
    let fired = 0;
    queue.pushReusable(5, 2 as Lane, 0, owner, () => void (fired += 1));
    const record = queue.peek() as ScheduledEvent;
    queue.pop();
    expect(record.owner).toBeNull();
    record.fire();
    expect(fired).toBe(0);
    // The next reusable push takes that record again, with the new event's fields.
    queue.pushReusable(7, 2 as Lane, 1, owner, () => void (fired += 10));
    expect(queue.peek()).toBe(record);
    expect(record).toMatchObject({ time: 7, seq: 1, owner });
    record.fire();
    expect(fired).toBe(10);
  });

  test('peek returns the least live event: cancelled events and wake-ups of dead owners are skipped for good', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ time, lane, owner: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), cancelled: fc.boolean() }), { maxLength: 100 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (slots, aliveness) => {
          const owners: TestOwner[] = [0, 1, 2, 3].map(() => ({ alive: true }));
          const queue = new EventQueue();
          const events = slots.map((slot, seq) => {
            const scheduled = event(seq, slot, slot.owner === undefined ? null : (owners[slot.owner] as TestOwner));
            scheduled.cancelled = slot.cancelled;
            queue.push(scheduled);
            return scheduled;
          });
          // Owners die after their wake-ups were scheduled, as a crash does.
          owners.forEach((owner, index) => (owner.alive = aliveness[index] as boolean));
          const live = events.filter((scheduled) => !scheduled.cancelled && (scheduled.owner === null || scheduled.owner.alive)).sort(documentedOrder);
          const seen: ScheduledEvent[] = [];
          for (let next = queue.peek(); next !== undefined; next = queue.peek()) {
            expect(queue.pop()).toBe(next);
            seen.push(next);
          }
          expect(seen).toEqual(live);
        },
      ),
    );
  });

  test("a pause moves exactly its owner's events, and the order afterwards is the documented one at the new times", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ time, lane, paused: fc.boolean() }), { maxLength: 100 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 100 }),
        (slots, shiftMs, popsBefore) => {
          const paused: TestOwner = { alive: true };
          const other: TestOwner = { alive: true };
          const queue = new EventQueue();
          const events = slots.map((slot, seq) => event(seq, slot, slot.paused ? paused : other));
          for (const scheduled of events) queue.push(scheduled);
          // Some events may already have fired when the pause lands.
          const fired = Array.from({ length: Math.min(popsBefore, events.length) }, () => queue.pop() as ScheduledEvent);
          const expectedTimes = new Map(events.map((scheduled) => [scheduled, scheduled.owner === paused && !fired.includes(scheduled) ? scheduled.time + shiftMs : scheduled.time]));
          queue.shiftOwner(paused, shiftMs);
          const rest = drain(queue);
          for (const scheduled of rest) expect(scheduled.time).toBe(expectedTimes.get(scheduled));
          expect(rest).toEqual(events.filter((scheduled) => !fired.includes(scheduled)).sort(documentedOrder));
        },
      ),
    );
  });
});
