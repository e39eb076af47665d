/**
 * `simrun jobs serve --keep-ended` as an OS process, on real files: a job that spilled its output
 * stays queryable, spill files and all, once it has left memory; a server started after its keep
 * period has passed deletes its record and its spill files together (and any spill file with no
 * record left by a server that died in between); a bad --keep-ended is one line, exit 2.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/real/job-runner/certs.js';
import { remoteJobOutput, remoteJobStatus, startRemoteJob, type ClientCredentials } from '../../src/real/job-runner/client.js';
import type { JobStatus } from '../../src/systems/job-runner/job-runner.js';
import { ROOT } from '../cli/helpers.js';
import { exitCodeOf, serveJobs, type Served } from './served.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-jobs-keep-ended-'));
const ca = createCertificateAuthority();
const serverPair = issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1'] });
const alicePair = issueCertificate(ca, { commonName: 'alice' });
for (const [name, text] of [['ca.crt', ca.certPem], ['server.crt', serverPair.certPem], ['server.key', serverPair.keyPem]] as const) writeFileSync(join(dir, name), text);
const TLS = ['--cert', join(dir, 'server.crt'), '--key', join(dir, 'server.key'), '--ca', join(dir, 'ca.crt')];

const serve = (stateDir: string, ...flags: string[]): Served => serveJobs(TLS, stateDir, ...flags);
const exited = exitCodeOf;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const as = (url: string): ClientCredentials => ({ server: url, certPem: alicePair.certPem, keyPem: alicePair.keyPem, caPem: ca.certPem });

async function output(credentials: ClientCredentials, id: string): Promise<string> {
  let text = '';
  await remoteJobOutput(credentials, id, false, (bytes) => void (text += bytes.toString()));
  return text;
}

test('a pruned job loses its spill files with its record; until then it is queryable, output and all, after leaving memory', async () => {
  const stateDir = join(dir, 'state');
  const outputDir = join(stateDir, 'output');
  const flags = ['--keep-ended', '2s', '--retention-ms', '0', '--output-memory-bytes', '1024'];
  const first = serve(stateDir, ...flags);
  const alice = as(await first.url);
  const id = await startRemoteJob(alice, 'head -c 5000 /dev/zero | tr "\\0" x; echo done >&2');
  let status: JobStatus;
  for (let tries = 0; (status = (await remoteJobStatus(alice, id)) as JobStatus).state !== 'completed' && tries < 200; tries++) await sleep(100);
  expect(status).toMatchObject({ state: 'completed' });
  for (let tries = 0; !first.log().includes(`"kind":"job.forgotten","data":{"job":"${id}"}`) && tries < 100; tries++) await sleep(100);
  // Out of memory, still answered for from jobs.db and the spill files.
  expect(await remoteJobStatus(alice, id)).toMatchObject({ id, state: 'completed' });
  expect(await output(alice, id)).toBe('x'.repeat(5000) + 'done\n');
  expect(readdirSync(outputDir).sort()).toEqual([`${id}.out`, `${id}.out.stderr`, `${id}.out.stdout`]);
  first.child.kill('SIGTERM');
  expect(await exited(first.child)).toBe(0);

  // A spill file whose record is gone (a server killed between deleting the two) is deleted too.
  writeFileSync(join(outputDir, 'stray.out'), 'no record\n');
  // Past the keep period by the server's clock: the next server prunes the job as it opens.
  await sleep(Math.max(0, (status.endedAtMs as number) + 2_500 - Date.now()));
  const next = serve(stateDir, ...flags);
  const again = as(await next.url);
  await expect(remoteJobStatus(again, id)).rejects.toMatchObject({ status: 404 });
  expect(readdirSync(outputDir)).toEqual([]);
  expect(next.log()).toMatch(new RegExp(`"kind":"job.pruned","data":\\{"jobs":\\["${id}"\\]`));
  expect(next.log()).toContain('"kind":"job.orphan-output","data":{"jobs":["stray"]}');
  next.child.kill('SIGTERM');
  expect(await exited(next.child)).toBe(0);
  expect(existsSync(join(stateDir, 'jobs.db'))).toBe(true);
}, 120_000);

test('--keep-ended takes a number with a unit (90s, 7d); anything else is one line, exit 2', async () => {
  for (const [value, expected] of [
    ['7x', 'expected a number with a unit (ms, s, m, h, d), like 60s; got "7x"'],
    ['0s', 'expected at least 1ms, got "0s"'],
    ['4000d', 'expected at most 315360000000 ms (ten years), got "4000d"'],
  ]) {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [`${ROOT}bin/run.js`, 'jobs', 'serve', ...TLS, '--port', '0', '--state-dir', join(dir, 'never'), '--keep-ended', value as string], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
      ),
    );
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(expected);
    expect(result.stdout).toBe('');
  }
  expect(existsSync(join(dir, 'never'))).toBe(false);
}, 60_000);
