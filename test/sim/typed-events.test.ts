/**
 * A typed emit records exactly what `env.log(kind, data)` records, and a family's guard picks out its
 * own events (and only those) from a trace.
 */
import { describe, expect, test } from 'vitest';
import { eventFamily } from '../../src/env/events.js';
import { processEvents } from '../../src/sim/events.js';
import { World } from '../../src/sim/world.js';

type ExampleEvent =
  | { readonly kind: 'example.claim'; readonly data: { readonly file: string; readonly token: number } }
  | { readonly kind: 'example.done'; readonly data: { readonly file: string } };

const exampleEvents = eventFamily<ExampleEvent>({ 'example.claim': true, 'example.done': true });

describe('typed events', () => {
  test('emit writes the same trace event as an untyped log, so trace hashes do not move', async () => {
    const typed = new World({ seed: 1 });
    typed.spawn('worker-1', (env) => exampleEvents.emit(env, { kind: 'example.claim', data: { file: 'a.txt', token: 3 } }));
    await typed.run();
    const untyped = new World({ seed: 1 });
    untyped.spawn('worker-1', (env) => env.log('example.claim', { file: 'a.txt', token: 3 }));
    await untyped.run();
    expect(typed.trace.hash()).toBe(untyped.trace.hash());
    expect(typed.trace.events.find((event) => event.kind === 'example.claim')?.data).toEqual({ file: 'a.txt', token: 3 });
  });

  test("a family's guard keeps its own kinds and nothing else, and narrows data by kind", async () => {
    const world = new World({ seed: 1 });
    world.spawn('worker-1', (env) => {
      exampleEvents.emit(env, { kind: 'example.done', data: { file: 'a.txt' } });
      env.log('example.unknown', { file: 'b.txt' });
    });
    await world.run();
    const files = exampleEvents.of(world.trace.events).map((event) => (event.kind === 'example.done' ? event.data.file : `${event.data.file}@${event.data.token}`));
    expect(files).toEqual(['a.txt']);
    expect(processEvents.of(world.trace.events).map((event) => event.kind)).toEqual(['process.start', 'process.exit']);
  });
});
