/** The real server's job output: a bounded part in memory, the rest in a spill file, served whole, cut at its limit. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { SpillingOutput, type KeptBytes } from '../../src/real/job-runner/spilling-output.js';

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

async function view(output: SpillingOutput, which: 'merged' | 'stdout' | 'stderr'): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const bytes of output.bytes(false, which)) chunks.push(bytes);
  return Buffer.concat(chunks).toString();
}

test('stdout and stderr stay apart in memory and in the spill files, and a reopened output serves every view again', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'simrun-spill-')), 'job.out');
  const kept: KeptBytes[] = [];
  const output = new SpillingOutput({ path, memoryBytes: 12, maxBytes: 1_000, onKeep: (piece) => kept.push(piece) });
  const lines: ['stdout' | 'stderr', string][] = [['stdout', 'out1\n'], ['stderr', 'err1\n'], ['stdout', 'out2\n'], ['stderr', 'err2\n'], ['stdout', 'out3\n']];
  for (const [stream, text] of lines) output.append({ stream, text });
  output.end();
  // The first two lines fit in the 12 bytes of memory (and were kept); the rest went to the spill files.
  expect(kept.map((piece) => Buffer.from(piece.bytes).toString())).toEqual(['out1\n', 'err1\n']);
  const expected = { merged: 'out1\nerr1\nout2\nerr2\nout3\n', stdout: 'out1\nout2\nout3\n', stderr: 'err1\nerr2\n' };
  for (const which of ['merged', 'stdout', 'stderr'] as const) {
    expect(await view(output, which)).toBe(expected[which]);
    expect(output.sizeOf(which)).toBe(expected[which].length);
  }
  const reopened = SpillingOutput.reopen(path, kept);
  for (const which of ['merged', 'stdout', 'stderr'] as const) {
    expect(await view(reopened, which)).toBe(expected[which]);
    expect(reopened.sizeOf(which)).toBe(expected[which].length);
  }
});
