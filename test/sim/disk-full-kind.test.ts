/**
 * The `disk-full` fault kind: for its span, every process's data writes fail with ENOSPC (reads,
 * renames and deletions still work); afterwards writes succeed again.
 */
import { expect, test } from 'vitest';
import { diskFull } from '../../src/sim/fault-kinds/disk-full.js';
import { World } from '../../src/sim/world.js';

test('disk-full fails every process\'s writes for its span, and only writes', async () => {
  const world = new World({ seed: 1 });
  const outcomes: string[] = [];
  const attempt = async (label: string, action: () => Promise<unknown>): Promise<void> => {
    try {
      await action();
      outcomes.push(`${label}:ok`);
    } catch (error) {
      outcomes.push(`${label}:${(error as NodeJS.ErrnoException).code}`);
    }
  };
  world.spawn('writer', async (env) => {
    await env.fs.writeFile('/kept', 'x');
    await env.sleep(200);
    await attempt('write', () => env.fs.writeFile('/new', 'y'));
    await attempt('append', () => env.fs.appendFile('/kept', 'z'));
    await attempt('rename', () => env.fs.rename('/kept', '/moved'));
    await attempt('read', () => env.fs.readFile('/moved', 'utf8'));
    await env.sleep(1_000);
    await attempt('write-after', () => env.fs.writeFile('/new', 'y'));
  });
  world.spawn('other', async (env) => {
    await env.sleep(300);
    await attempt('other-write', () => env.fs.writeFile('/other', 'o'));
  });
  world.atFault(100, () => diskFull.apply(world, { at: 100, kind: 'disk-full', ms: 500 }, undefined));
  await world.run();
  expect(outcomes).toEqual(['write:ENOSPC', 'append:ENOSPC', 'rename:ok', 'read:ok', 'other-write:ENOSPC', 'write-after:ok']);
  expect(world.volume.toJSON()).toEqual({ '/moved': 'x', '/new': 'y' });
});

test('a plan entry is strict: ms required, no target', () => {
  expect(diskFull.schema.safeParse({ at: 0, kind: 'disk-full', ms: 10 }).success).toBe(true);
  expect(diskFull.schema.safeParse({ at: 0, kind: 'disk-full' }).success).toBe(false);
  expect(diskFull.schema.safeParse({ at: 0, kind: 'disk-full', ms: 10, target: 'p' }).success).toBe(false);
});
