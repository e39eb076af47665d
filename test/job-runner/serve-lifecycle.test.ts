/**
 * `simrun jobs serve` as an OS process: one server per state directory, SIGTERM stops executing
 * jobs' whole process groups and exits 0 in bounded time, and the groups of a server killed with
 * SIGKILL (its watchdog too) are killed by the next server on that state directory.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/real/job-runner/certs.js';
import { remoteJobStatus, startRemoteJob, type ClientCredentials } from '../../src/real/job-runner/client.js';
import { ROOT } from '../cli/helpers.js';
import { childrenOf } from '../real/orphans.js';
import { serveJobs, type Served } from './served.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-jobs-serve-'));
const ca = createCertificateAuthority();
const serverPair = issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1'] });
const alicePair = issueCertificate(ca, { commonName: 'alice' });
for (const [name, text] of [['ca.crt', ca.certPem], ['server.crt', serverPair.certPem], ['server.key', serverPair.keyPem]]) writeFileSync(join(dir, name as string), text as string);

const TLS = ['--cert', join(dir, 'server.crt'), '--key', join(dir, 'server.key'), '--ca', join(dir, 'ca.crt')];
const serve = (stateDir: string): Served => serveJobs(TLS, stateDir);

/** The exit code, or the signal that ended it (so a default death by SIGTERM reads as such). */
const exited = (child: ChildProcess): Promise<number | string | null> => new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
/** Whether the group's leader still runs (a zombie left for a parent that never reaps it does not count). */
const alive = (negativePgid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${-negativePgid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

test('a second server on one state directory exits 2; SIGTERM stops the running job’s group and exits 0', async () => {
  const stateDir = join(dir, 'state-a');
  const first = serve(stateDir);
  const url = await first.url;
  const second = spawnSync(process.execPath, [`${ROOT}bin/run.js`, 'jobs', 'serve', '--cert', join(dir, 'server.crt'), '--key', join(dir, 'server.key'), '--ca', join(dir, 'ca.crt'), '--port', '0', '--state-dir', stateDir], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  expect(second.status).toBe(2);
  expect(second.stderr.trim().split('\n')).toHaveLength(1);
  expect(second.stderr).toMatch(/another jobs server \(pid \d+\)/);
  const alice: ClientCredentials = { server: url, certPem: alicePair.certPem, keyPem: alicePair.keyPem, caPem: ca.certPem };
  const id = await startRemoteJob(alice, 'sleep 60 & sleep 60');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pgid = Number(((await remoteJobStatus(alice, id)) as { state: string }).state === 'executing' ? spawnSync('ls', [join(stateDir, 'groups')], { encoding: 'utf8' }).stdout.trim().replace('.json', '') : NaN);
  expect(alive(-pgid)).toBe(true);
  const started = Date.now();
  first.child.kill('SIGTERM');
  expect(await exited(first.child)).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(alive(-pgid)).toBe(false);
}, 60_000);

test('the next server kills the job groups of a server killed with SIGKILL, its watchdog too', async () => {
  const stateDir = join(dir, 'state-b');
  const first = serve(stateDir);
  const url = await first.url;
  const alice: ClientCredentials = { server: url, certPem: alicePair.certPem, keyPem: alicePair.keyPem, caPem: ca.certPem };
  await startRemoteJob(alice, 'sleep 60');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pgid = Number(spawnSync('ls', [join(stateDir, 'groups')], { encoding: 'utf8' }).stdout.trim().replace('.json', ''));
  // The server's watchdog would end the group as soon as the server is gone: kill it first, as a
  // crash of the whole machine's processes would, so that only the next server can end the group.
  const watchdogs = childrenOf(first.child.pid as number).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === '-e');
  expect(watchdogs.length).toBe(1);
  for (const pid of watchdogs) process.kill(pid, 'SIGKILL');
  first.child.kill('SIGKILL');
  await exited(first.child);
  expect(alive(-pgid)).toBe(true);
  const next = serve(stateDir);
  await next.url;
  expect(alive(-pgid)).toBe(false);
  next.child.kill('SIGTERM');
  expect(await exited(next.child)).toBe(0);
}, 60_000);
