// Found by `simrun real bucket` with a `disk-full` nemesis action: the provider's drop failed with
// ENOSPC while the bucket's disk was full, and `simrun bucket provider` died of it (exit 3), leaving
// a `.part-` file and every later file undropped. The simulation never saw it: its faults struck
// the workers alone, and only a counted few operations. The provider now writes a failed drop again
// after a pause; `disk-full` (every process's writes fail for a span of time) reproduces the crash.
import { expect, test } from 'vitest';
import { bucket, loadScenario, runScenario } from '../../src/index.js';

test('bucket: a full disk while files are dropped delays the drops, never loses them', async () => {
  // Seed 1 drops its third file on time, at 45 minutes; the disk is full from just before it for 2 minutes.
  const plan = [{ at: 2_690_000, kind: 'disk-full', ms: 120_000 }];
  const result = await runScenario(await loadScenario('bucket'), { seed: 1, plan });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
  const events = bucket.bucketEvents.of(result.trace);
  expect(events.filter((event) => event.kind === 'bucket.drop.retry').length).toBeGreaterThanOrEqual(1);
  expect(new Set(events.flatMap((event) => (event.kind === 'bucket.drop' ? [event.data.file] : []))).size).toBe(
    new Set(events.flatMap((event) => (event.kind === 'bucket.commit' ? [event.data.file] : []))).size,
  );
});
