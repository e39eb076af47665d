/**
 * `npm run bench`: every benchmark in this folder, one after another (they would disturb each other
 * in parallel on two cores). Each writes its own `reports/bench/<name>.json`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

/** Each module exports `run<Name>Bench()`. */
const benchmarks: Array<{ name: string; file: string; exportName: string }> = [
  { name: 'kernel', file: 'kernel.js', exportName: 'runKernelBench' },
  { name: 'locks', file: 'locks.js', exportName: 'runLocksBench' },
  { name: 'bucket', file: 'bucket.js', exportName: 'runBucketBench' },
  { name: 'fuzz', file: 'fuzz.js', exportName: 'runFuzzBench' },
  { name: 'scaling', file: 'scaling.js', exportName: 'runScalingBench' },
  { name: 'find', file: 'find.js', exportName: 'runFindBench' },
];

for (const { name, file, exportName } of benchmarks) {
  if (only.length > 0 && !only.includes(name)) continue;
  const path = join(here, file);
  if (!existsSync(path)) continue;
  const module = (await import(path)) as Record<string, () => Promise<unknown>>;
  const run = module[exportName];
  if (typeof run !== 'function') throw new Error(`${file} does not export ${exportName}()`);
  console.log(`== ${name}`);
  console.log(JSON.stringify(await run(), null, 2));
}
