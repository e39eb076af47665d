/**
 * The file and SQLite backends for real: four OS processes contend 1,000 times each for one key on a
 * real temporary directory or one shared database file, and the resource's own log is judged
 * afterwards (see `resource-log.ts`). Every 40th iteration a process abandons a short lease, so
 * takeovers of expired leases race for real as well.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeResourceLog } from './resource-log.js';

const WORKER = fileURLToPath(new URL('./real-worker.ts', import.meta.url));
const PROCESSES = 4;
const ITERATIONS = 1_000;
/** Sections each process completes: abandoned iterations have none. */
const EXPECTED_SECTIONS = PROCESSES * (ITERATIONS - Math.floor(ITERATIONS / 40));

function runWorker(spec: string, logPath: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, spec, logPath, String(ITERATIONS), name], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}: ${stderr}`))));
  });
}

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['file', (base: string) => `file:${join(base, 'locks')}`],
  ['sqlite (WAL, database clock)', (base: string) => `sqlite:${join(base, 'locks.db')}`],
])('%s backend with real OS processes', (name, specFor) => {
  it(`${PROCESSES} processes x ${ITERATIONS} sections never overlap and never reuse a token`, { timeout: 60_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-real-lock-'));
    const logPath = join(dir, 'resource.log');
    const spec = specFor(dir);
    await Promise.all(Array.from({ length: PROCESSES }, (_, index) => runWorker(spec, logPath, `contender-${index + 1}`)));
    const verdict = judgeResourceLog(await readFile(logPath, 'utf8'));
    expect(verdict.problems).toEqual([]);
    expect(verdict.sections).toBe(EXPECTED_SECTIONS);
    if (name === 'file') {
      // Garbage collection kept only the current generation, and no temporary file was left behind.
      const [keyDir] = await readdir(join(dir, 'locks'));
      expect(await readdir(join(dir, 'locks', keyDir!))).toEqual([expect.stringMatching(/^gen-\d+\.json$/)]);
    }
  });
});
