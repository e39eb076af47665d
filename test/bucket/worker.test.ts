/**
 * One worker against hand-placed files, under simulation: what it does with names it does not know,
 * inputs it cannot read, half-written files, and a commit left behind by a crashed worker.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryLock } from '../../src/locks/memory-lock.js';
import { FencedResource } from '../../src/locks/fenced-resource.js';
import { World } from '../../src/sim/world.js';
import { resourceFence } from '../../src/systems/bucket/fence.js';
import { renderInput, toTsv } from '../../src/systems/bucket/input-format.js';
import { runBucketWorker } from '../../src/systems/bucket/worker.js';
import { checkStatistics } from '../../src/check/bucket/statistics.js';

const DIR = '/bucket';

async function runOneWorker(files: Record<string, string>, horizonMs = 3_600_000, atMs?: Record<number, (world: World) => void>, settleMs?: number) {
  const world = new World({ seed: 7, horizonMs });
  await world.fs.mkdir(DIR, { recursive: true });
  await world.fs.mkdir(`${DIR}/output`, { recursive: true });
  for (const [name, content] of Object.entries(files)) await world.fs.writeFile(`${DIR}/${name}`, content);
  const lock = createMemoryLock({ now: () => world.now() });
  const fence = resourceFence(new FencedResource(() => world.now()));
  world.spawn('worker-1', (env) => runBucketWorker(env, { dir: DIR, lock, fence, secondsInMin: 1, pollMs: 1_000, leaseTtlMs: 10_000, ...(settleMs === undefined ? {} : { settleMs }) }));
  for (const [at, action] of Object.entries(atMs ?? {})) world.at(Number(at), () => action(world));
  await world.run();
  const kinds = (kind: string) => world.trace.events.filter((event) => event.kind === kind).map((event) => event.data);
  return { world, kinds };
}

describe('a bucket worker', () => {
  it('leaves a name that is not an input alone, warning once', async () => {
    const { world, kinds } = await runOneWorker({ 'notes.txt': 'hello\n' });
    expect(await world.fs.readFile(`${DIR}/notes.txt`, 'utf8')).toBe('hello\n');
    expect(kinds('bucket.ignore')).toEqual([{ file: 'notes.txt', reason: 'not a YYYY_MM_DD_HH_mm.txt name; left alone' }]);
  });

  it('moves an input whose first line is not a number to rejected/, with the reason beside it', async () => {
    const { world, kinds } = await runOneWorker({ '2020_08_18_00_15.txt': 'soon\n{"a":1}\n#end\n' });
    expect(await world.fs.readFile(`${DIR}/rejected/2020_08_18_00_15.txt`, 'utf8')).toBe('soon\n{"a":1}\n#end\n');
    expect(await world.fs.readFile(`${DIR}/rejected/2020_08_18_00_15.txt.reason`, 'utf8')).toBe('the first line is not a number of minutes: "soon"\n');
    expect(kinds('bucket.reject')).toHaveLength(1);
    expect(kinds('bucket.commit')).toEqual([]);
  });

  it('with settling off (only #end counts), waits for a half-written file however long the writer stalls, and commits it whole once the rest arrives', async () => {
    const whole = renderInput(2, [{ id: 1 }, { id: 2 }]);
    const { world, kinds } = await runOneWorker({ '2020_08_18_00_15.txt': whole.slice(0, 9) }, 3_600_000, {
      600_000: (w) => void w.fs.appendFile(`${DIR}/2020_08_18_00_15.txt`, whole.slice(9)),
    }, Number.POSITIVE_INFINITY);
    expect(kinds('bucket.incomplete').length).toBeGreaterThan(0);
    expect(kinds('bucket.commit')).toEqual([{ file: '2020_08_18_00_15.txt', token: expect.any(Number), minutes: 2 }]);
    expect(await world.fs.readFile(`${DIR}/output/2020_08_18_00_15.tsv`, 'utf8')).toBe('1\n2\n');
  });

  it("takes a marker-less file (simulation.py's format) once its size held still for the settle time", async () => {
    const { world, kinds } = await runOneWorker({ '2020_08_18_00_15.txt': '3' }, 3_600_000, {}, 5_000);
    expect(kinds('bucket.commit')).toEqual([{ file: '2020_08_18_00_15.txt', token: expect.any(Number), minutes: 3 }]);
    expect(await world.fs.readFile(`${DIR}/processed/2020_08_18_00_15.txt`, 'utf8')).toBe('3');
  });

  it('by default, takes a number-only file written in two parts (1, then 2) only once it settled: 12 minutes, not 1', async () => {
    const { world, kinds } = await runOneWorker({ '2020_08_18_00_15.txt': '1' }, 3_600_000, {
      3_000: (w) => void w.fs.appendFile(`${DIR}/2020_08_18_00_15.txt`, '2'),
    });
    expect(kinds('bucket.incomplete').length).toBeGreaterThan(1);
    expect(kinds('bucket.commit')).toEqual([{ file: '2020_08_18_00_15.txt', token: expect.any(Number), minutes: 12 }]);
    expect(await world.fs.readFile(`${DIR}/processed/2020_08_18_00_15.txt`, 'utf8')).toBe('12');
  });

  it('finishes a file whose output a crashed worker already committed, without processing it again', async () => {
    const input = renderInput(30, [{ id: 1 }]);
    const { world, kinds } = await runOneWorker({ '2020_08_18_00_15.txt': input, 'output/2020_08_18_00_15.tsv': toTsv([{ id: 1 }]) });
    expect(kinds('bucket.recover')).toHaveLength(1);
    expect(kinds('bucket.process.start')).toEqual([]);
    expect(kinds('bucket.commit')).toEqual([]);
    expect(await world.fs.readFile(`${DIR}/processed/2020_08_18_00_15.txt`, 'utf8')).toBe(input);
  });

  it('skips a directory named like an input, reporting it once, and processes the files behind it', async () => {
    const world = new World({ seed: 7, horizonMs: 3_600_000 });
    await world.fs.mkdir(`${DIR}/output`, { recursive: true });
    // The oldest name, so every pass meets it first.
    await world.fs.mkdir(`${DIR}/2020_08_18_00_00.txt`, { recursive: true });
    for (const hour of ['01', '02', '03']) await world.fs.writeFile(`${DIR}/2020_08_18_${hour}_00.txt`, renderInput(1, [{ hour }]));
    const lock = createMemoryLock({ now: () => world.now() });
    const fence = resourceFence(new FencedResource(() => world.now()));
    world.spawn('worker-1', (env) => runBucketWorker(env, { dir: DIR, lock, fence, secondsInMin: 1, pollMs: 1_000, leaseTtlMs: 10_000 }));
    await world.run();
    const data = (kind: string) => world.trace.events.filter((event) => event.kind === kind).map((event) => event.data);
    expect(data('bucket.commit').map((commit) => commit?.file)).toEqual(['2020_08_18_01_00.txt', '2020_08_18_02_00.txt', '2020_08_18_03_00.txt']);
    expect(data('bucket.skip')).toEqual([{ file: '2020_08_18_00_00.txt', reason: 'a directory, not a file: skipped' }]);
    expect(data('bucket.error')).toEqual([]);
    // Left where it is, never moved to rejected/.
    expect((await world.fs.stat(`${DIR}/2020_08_18_00_00.txt`)).isDirectory()).toBe(true);
    expect(await world.fs.readdir(`${DIR}/rejected`)).toEqual([]);
  });

  it('prints its statistics every 5 files, over every file it completed', async () => {
    const minutes = [5, 6, 7, 8, 9, 1, 2, 3, 4, 5];
    const files = Object.fromEntries(minutes.map((m, index) => [`2020_08_18_${String(index).padStart(2, '0')}_00.txt`, renderInput(m, [])]));
    const { world } = await runOneWorker(files);
    const printed = world.trace.events.filter((event) => event.kind === 'stdout').map((event) => event.data?.line);
    expect(printed).toEqual(['Files processed: 5, Total Time: 35, Sum of Squares: 30', 'Files processed: 10, Total Time: 50, Sum of Squares: 60']);
  });

  it('prints exact statistics for whole minutes whose squares pass 2^53, and the checker agrees', async () => {
    const minutes = [100_000_000, 100_000_001, 100_000_002, 100_000_003, 100_000_004];
    const world = new World({ seed: 7, horizonMs: 3_600_000 });
    await world.fs.mkdir(`${DIR}/output`, { recursive: true });
    for (const [index, m] of minutes.entries()) await world.fs.writeFile(`${DIR}/2020_08_18_0${index}_00.txt`, renderInput(m, []));
    const lock = createMemoryLock({ now: () => world.now() });
    const fence = resourceFence(new FencedResource(() => world.now()));
    // 10^-9 s per minute: each file takes about 0.1 s of virtual time.
    world.spawn('worker-1', (env) => runBucketWorker(env, { dir: DIR, lock, fence, secondsInMin: 1e-9, pollMs: 1_000, leaseTtlMs: 10_000 }));
    await world.run();
    const printed = world.trace.events.filter((event) => event.kind === 'stdout').map((event) => event.data?.line);
    expect(printed).toEqual(['Files processed: 5, Total Time: 500000010, Sum of Squares: 30']);
    expect(checkStatistics(world.trace.events)).toEqual([]);
  });
});
