/** The real server's job output: a bounded part in memory, the rest in a spill file, served whole, cut at its limit. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { SpillingOutput } from '../../src/real/job-runner/spilling-output.js';

async function collect(output: SpillingOutput, follow: boolean): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const bytes of output.bytes(follow)) chunks.push(bytes);
  return Buffer.concat(chunks);
}

test('bytes past the in-memory part go to the spill file, and readers get every byte in order', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'simrun-spill-')), 'job.out');
  let limited = 0;
  const output = new SpillingOutput({ path, memoryBytes: 1_000, maxBytes: 1_000_000, onLimit: () => limited++ });
  const expected = Buffer.alloc(300_000);
  for (let i = 0; i < expected.length; i++) expected[i] = (i * 7919) % 256;
  const following = collect(output, true);
  for (let at = 0; at < expected.length; at += 3_000) output.append({ stream: 'stdout', text: '', bytes: expected.subarray(at, at + 3_000) });
  expect((await collect(output, false)).equals(expected)).toBe(true);
  output.end();
  expect((await following).equals(expected)).toBe(true);
  expect(limited).toBe(0);
});

test('past maxBytes the output is cut there and the limit reported once', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'simrun-spill-')), 'job.out');
  let limited = 0;
  const output = new SpillingOutput({ path, memoryBytes: 10, maxBytes: 25, onLimit: () => limited++ });
  for (let i = 0; i < 5; i++) output.append({ stream: 'stdout', text: 'abcdefghij' });
  output.end();
  expect((await collect(output, false)).toString()).toBe('abcdefghijabcdefghijabcde');
  expect(limited).toBe(1);
});
