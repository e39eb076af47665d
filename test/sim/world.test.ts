import { describe, expect, test } from 'vitest';
import { EventBudgetExceeded, NoProgress } from '../../src/sim/errors.js';
import { Prng } from '../../src/sim/prng.js';
import { World } from '../../src/sim/world.js';

/** Ten processes, each sleeping random times and writing a file: a small workload with many interleavings. */
async function runWorkload(seed: number): Promise<{ hash: string; order: string[] }> {
  const world = new World({ seed });
  const order: string[] = [];
  await world.fs.mkdir('/out');
  for (let i = 0; i < 10; i++) {
    world.spawn(`p${i}`, async (env) => {
      for (let k = 0; k < 5; k++) {
        await env.sleep(Math.floor(env.random() * 1000));
        order.push(env.id);
        await env.fs.appendFile('/out/log', `${env.id} ${env.now()}\n`);
      }
    });
  }
  await world.run();
  return { hash: world.trace.hash(), order };
}

describe('determinism', () => {
  test('the same seed gives the same trace hash twice in one process', async () => {
    const first = await runWorkload(42);
    const second = await runWorkload(42);
    expect(second.hash).toBe(first.hash);
    expect(second.order).toEqual(first.order);
  });

  test('different seeds give different hashes', async () => {
    const hashes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) hashes.add((await runWorkload(seed)).hash);
    expect(hashes.size).toBe(5);
  });

  test('forking a new random stream never shifts another stream', () => {
    const root = Prng.root(7);
    const before = Array.from({ length: 5 }, () => root.fork('a').next());
    const a = root.fork('a');
    const drawsA = [a.next(), a.next(), a.next()];
    root.fork('b').next();
    root.fork('c').next();
    const again = root.fork('a');
    expect([again.next(), again.next(), again.next()]).toEqual(drawsA);
    expect(before.every((value) => value === before[0])).toBe(true);
  });
});

describe('processes', () => {
  test('a crashed process never runs again, files it wrote stay, and a restart starts fresh', async () => {
    const world = new World({ seed: 1 });
    const steps: string[] = [];
    let memory = 0;
    world.spawn('w', async (env) => {
      memory = 0;
      for (let k = 0; k < 10; k++) {
        memory += 1;
        steps.push(`${env.id}:${memory}@${world.elapsed()}`);
        await env.fs.appendFile('/log', `${env.id} ${k}\n`);
        await env.sleep(100);
      }
    });
    world.atFault(250, () => world.crash('w'));
    world.atFault(1000, () => world.restart('w'));
    const outcome = await world.run();
    expect(outcome.status).toBe('quiescent');
    // Incarnation 1 ran at 0, 100, 200 and never after its crash at 250.
    expect(steps.filter((step) => step.startsWith('w#1'))).toEqual(['w#1:1@0', 'w#1:2@100', 'w#1:3@200']);
    // Incarnation 2 starts at 1000 with a fresh count.
    expect(steps.find((step) => step.startsWith('w#2'))).toBe('w#2:1@1000');
    expect(steps.filter((step) => step.startsWith('w#2'))).toHaveLength(10);
    const log = await world.fs.readFile('/log', 'utf8');
    expect(log.split('\n').filter((line) => line.startsWith('w#1'))).toHaveLength(3);
    expect(world.trace.events.map((event) => event.kind)).toContain('process.crash');
    expect(world.process('w').incarnations).toBe(2);
  });

  test("a paused process's timers fire late by exactly the pause", async () => {
    const world = new World({ seed: 1 });
    const wakes: number[] = [];
    const otherWakes: number[] = [];
    world.spawn('paused', async (env) => {
      for (let k = 0; k < 3; k++) {
        await env.sleep(100);
        wakes.push(world.elapsed());
      }
    });
    world.spawn('other', async (env) => {
      for (let k = 0; k < 3; k++) {
        await env.sleep(100);
        otherWakes.push(world.elapsed());
      }
    });
    world.atFault(50, () => world.pause('paused', 500));
    await world.run();
    expect(otherWakes).toEqual([100, 200, 300]);
    expect(wakes).toEqual([600, 700, 800]);
  });

  test('a pause defers file operations in flight too', async () => {
    const world = new World({ seed: 1 });
    world.setFsLatency({ minMs: 10, maxMs: 10 });
    let doneAt = -1;
    world.spawn('p', async (env) => {
      await env.fs.writeFile('/f', 'x');
      doneAt = world.elapsed();
    });
    world.atFault(5, () => world.pause('p', 1000));
    await world.run();
    expect(doneAt).toBe(1010);
  });

  test('clock skew and drift change now() only, never how long a sleep lasts', async () => {
    const world = new World({ seed: 1 });
    const seen: Array<{ local: number; world: number }> = [];
    world.spawn('p', async (env) => {
      for (let k = 0; k < 3; k++) {
        await env.sleep(1000);
        seen.push({ local: env.now() - world.epochMs, world: world.elapsed() });
      }
    });
    world.atFault(1500, () => world.setSkew('p', -400));
    world.atFault(2500, () => world.setDrift('p', 100_000));
    await world.run();
    expect(seen.map((entry) => entry.world)).toEqual([1000, 2000, 3000]);
    expect(seen[0]?.local).toBe(1000);
    expect(seen[1]?.local).toBe(1600);
    // 10% fast from 2500: 500 ms of true time show as 550.
    expect(seen[2]?.local).toBe(3000 - 400 + 50);
  });

  test('an exception a process does not handle is recorded, and other processes go on', async () => {
    const world = new World({ seed: 1 });
    let otherDone = false;
    world.spawn('bad', async (env) => {
      await env.sleep(10);
      throw new Error('boom');
    });
    world.spawn('good', async (env) => {
      await env.sleep(20);
      otherDone = true;
    });
    await world.run();
    expect(otherDone).toBe(true);
    expect(world.trace.events.find((event) => event.kind === 'process.error')?.data).toEqual({ message: 'Error: boom' });
  });

  test('an aborted sleep rejects at once with the reason', async () => {
    const world = new World({ seed: 1 });
    let caught: unknown;
    world.spawn('p', async (env) => {
      const controller = new AbortController();
      const sleeping = env.sleep(10_000, controller.signal);
      await env.sleep(5);
      controller.abort(new Error('lease lost'));
      try {
        await sleeping;
      } catch (error) {
        caught = error;
      }
    });
    const outcome = await world.run();
    expect((caught as Error).message).toBe('lease lost');
    expect(outcome.simulatedMs).toBe(5);
  });
});

describe('the filesystem', () => {
  test('injected EIO and ENOSPC fail only the chosen operations and take no effect', async () => {
    const world = new World({ seed: 1 });
    const errors: string[] = [];
    world.injectFsFault({ code: 'ENOSPC', op: 'writeFile', target: 'p', count: 1 });
    world.injectFsFault({ code: 'EIO', op: 'readFile', pathIncludes: 'b', count: 1 });
    world.spawn('p', async (env) => {
      for (const path of ['/a', '/a', '/b']) {
        try {
          await env.fs.writeFile(path, 'x');
          await env.fs.readFile(path, 'utf8');
        } catch (error) {
          errors.push(`${path}:${(error as NodeJS.ErrnoException).code}`);
        }
      }
    });
    await world.run();
    expect(errors).toEqual(['/a:ENOSPC', '/b:EIO']);
    expect(world.volume.toJSON()).toEqual({ '/a': 'x', '/b': 'x' });
  });

  test('latency is drawn per operation from the process stream and stamps are virtual', async () => {
    const world = new World({ seed: 9 });
    world.setFsLatency({ minMs: 5, maxMs: 50 });
    const times: number[] = [];
    world.spawn('p', async (env) => {
      for (let k = 0; k < 4; k++) {
        await env.fs.writeFile(`/f${k}`, 'x');
        times.push(world.elapsed());
      }
      const stats = await env.fs.stat('/f3');
      times.push(stats.mtimeMs - world.epochMs);
    });
    await world.run();
    const gaps = times.slice(0, 4).map((time, index) => time - (index === 0 ? 0 : (times[index - 1] as number)));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(5);
    expect(new Set(gaps).size).toBeGreaterThan(1);
    expect(times[4]).toBe(times[3]);
  });
});

describe('runaway runs end as named harness errors', () => {
  test('an event budget overrun', async () => {
    const world = new World({ seed: 1, maxEvents: 1_000 });
    world.spawn('busy', async (env) => {
      for (;;) await env.sleep(1);
    });
    await expect(world.run()).rejects.toBeInstanceOf(EventBudgetExceeded);
  });

  test('an endless zero-delay loop', async () => {
    const world = new World({ seed: 1, maxEventsWithoutProgress: 10_000 });
    world.spawn('spinner', async (env) => {
      for (;;) await env.sleep(0);
    });
    const error = await world.run().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoProgress);
    expect((error as NoProgress).culprit).toBe('spinner#1');
  });

  test('the horizon stops a process that runs forever', async () => {
    const world = new World({ seed: 1, horizonMs: 10_000 });
    let ticks = 0;
    world.spawn('forever', async (env) => {
      for (;;) {
        await env.sleep(1000);
        ticks += 1;
      }
    });
    const outcome = await world.run();
    expect(outcome.status).toBe('horizon');
    expect(ticks).toBe(10);
    expect(outcome.simulatedMs).toBe(10_000);
  });
});

describe('fake-timers supplies the world clock to third-party code', () => {
  test('installed globals: Date and setTimeout follow virtual time, interleaved with process sleeps', async () => {
    const realDateNow = Date.now;
    const world = new World({ seed: 1, installGlobals: true });
    const order: string[] = [];
    try {
      world.spawn('p', async (env) => {
        // Third-party code that only knows the global timers.
        setTimeout(() => order.push(`timer@${Date.now() - world.epochMs}`), 150);
        await env.sleep(100);
        order.push(`sleep@${world.elapsed()}`);
        await env.sleep(100);
        order.push(`sleep@${world.elapsed()}`);
      });
      await world.run();
    } finally {
      world.dispose();
    }
    expect(order).toEqual(['sleep@100', 'timer@150', 'sleep@200']);
    expect(Date.now).toBe(realDateNow);
  });
});
