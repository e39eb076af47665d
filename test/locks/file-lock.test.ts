/**
 * The file lock's own hazards, each forced deterministically by holding one contender at a gate in
 * its filesystem: a delayed writer re-creating a generation that was already collected, and
 * temporary files left by a writer that crashed before publishing.
 */
import { describe, expect, it } from 'vitest';
import type { FsPromises } from '../../src/env/fs.js';
import { createFileLock } from '../../src/locks/index.js';
import { memoryFs } from './fixtures.js';

/** `fs` whose next `link` waits until `open()` is called, so a test can act in the gap. */
function gatedLink(fs: FsPromises): { fs: FsPromises; reached: Promise<void>; open(): void } {
  let open = (): void => {};
  let signalReached = (): void => {};
  const reached = new Promise<void>((resolve) => (signalReached = resolve));
  const gate = new Promise<void>((resolve) => (open = resolve));
  let armed = true;
  const gated: FsPromises = Object.create(fs) as FsPromises;
  gated.link = async (from, to) => {
    if (armed) {
      armed = false;
      signalReached();
      await gate;
    }
    return fs.link(from, to);
  };
  return { fs: gated, reached, open };
}

/** `fs` whose first `unlink` of a temporary file waits until `open()`: the writer has linked its generation and not yet looked again. */
function gatedTempUnlink(fs: FsPromises): { fs: FsPromises; reached: Promise<void>; open(): void; arm(): void } {
  let open = (): void => {};
  let signalReached = (): void => {};
  const reached = new Promise<void>((resolve) => (signalReached = resolve));
  const gate = new Promise<void>((resolve) => (open = resolve));
  let armed = false;
  const gated: FsPromises = Object.create(fs) as FsPromises;
  gated.unlink = async (path) => {
    if (armed && path.includes('/tmp-')) {
      armed = false;
      signalReached();
      await gate;
    }
    return fs.unlink(path);
  };
  return { fs: gated, reached, open: () => open(), arm: () => void (armed = true) };
}

describe('file lock', () => {
  it('a release that someone built on before the releaser looked again answers true', async () => {
    const shared = memoryFs();
    const clock = { now: () => 1_000 };
    const gated = gatedTempUnlink(shared);
    const releaser = createFileLock(gated.fs, '/locks', clock);
    const next = createFileLock(shared, '/locks', clock);
    const lease = await releaser.tryAcquire('job', 'a#1', 1_000);
    expect(lease?.token).toBe(1);

    // The release publishes generation 2 (free) and stops before listing the directory again.
    gated.arm();
    const releasing = releaser.release(lease!);
    await gated.reached;
    // The next acquirer reads the free generation 2 and publishes generation 3 on top of it.
    expect((await next.tryAcquire('job', 'b#1', 1_000))?.token).toBe(3);
    gated.open();
    // Generation 2 was the key's state: the release took effect, and says so.
    expect(await releasing).toBe(true);
  });

  it('a writer delayed past garbage collection cannot re-create a collected generation and win', async () => {
    const shared = memoryFs();
    let now = 1_000;
    const clock = { now: () => now };
    const delayed = gatedLink(shared);
    const slow = createFileLock(delayed.fs, '/locks', clock);
    const fast = createFileLock(shared, '/locks', clock);

    // The slow contender reads "free" (generation 0) and stops right before publishing generation 1.
    const slowAttempt = slow.tryAcquire('job', 'slow#1', 1_000);
    await delayed.reached;
    // Meanwhile others run three generations; generations 1 and 2 are collected.
    const first = await fast.tryAcquire('job', 'b#1', 1_000);
    expect(first?.token).toBe(1);
    expect(await fast.release(first!)).toBe(true);
    const holder = await fast.tryAcquire('job', 'c#1', 1_000);
    expect(holder?.token).toBe(3);
    expect((await shared.readdir('/locks/key-job')).filter((name) => name.startsWith('gen-'))).toEqual(['gen-000000000003.json']);

    // Now the slow contender's link re-creates generation 1, which no longer exists.
    delayed.open();
    expect(await slowAttempt).toBeNull();
    // The holder is untouched: still the state, still renewable, and nobody else can take the key.
    now += 500;
    expect((await fast.renew(holder!, 1_000))?.token).toBe(3);
    expect(await fast.tryAcquire('job', 'd#1', 1_000)).toBeNull();
    // The stray generation 1 sits below the current one and is collected by the next change.
    expect(await fast.release(holder!)).toBe(true);
    expect(await shared.readdir('/locks/key-job')).toEqual(['gen-000000000005.json']);
  });

  it('collects temporary files older than staleTempMs and keeps recent ones', async () => {
    const fs = memoryFs();
    let now = 100_000;
    const lock = createFileLock(fs, '/locks', { now: () => now, staleTempMs: 60_000 });
    const lease = await lock.tryAcquire('job', 'a#1', 1_000);
    // Left behind by writers that crashed between writing and publishing, one long ago, one just now.
    await fs.writeFile('/locks/key-job/tmp-crashed_1-7-30000.json', '{}', { flag: 'wx' });
    await fs.writeFile('/locks/key-job/tmp-crashed_2-3-99000.json', '{}', { flag: 'wx' });
    now += 10_000;
    await lock.release(lease!);
    expect((await fs.readdir('/locks/key-job')).sort()).toEqual(['gen-000000000002.json', 'tmp-crashed_2-3-99000.json']);
  });

  it('keeps keys apart, whatever characters they contain', async () => {
    const fs = memoryFs();
    const lock = createFileLock(fs, '/locks', { now: () => 0 });
    for (const key of ['a/b', 'a%2Fb', '..', '.', 'ключ']) expect((await lock.tryAcquire(key, 'x#1', 10))?.token).toBe(1);
    expect((await fs.readdir('/locks')).length).toBe(5);
  });
});
