/**
 * `simrun jobs serve` as an OS process, with its state directory: a server killed with SIGKILL has
 * its executing job's process group ended by its watchdog, and started again finds its jobs in
 * jobs.db (the executing one failed "runner restarted", the queued and the scheduled ones run, the output kept), as `jobs status`
 * and `jobs logs` show; stdout and stderr apart; finished jobs leave memory after --retention-ms and
 * stay queryable; the in-memory part of the output stays under its cap; an --admin certificate sees
 * and stops every user's jobs while other users are still refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { createCertificateAuthority, issueCertificate, type CertificatePair } from '../../src/real/job-runner/certs.js';
import { remoteJobOutput, remoteJobStatus, RemoteError, startRemoteJob, stopRemoteJob, type ClientCredentials } from '../../src/real/job-runner/client.js';
import type { JobStatus } from '../../src/systems/job-runner/job-runner.js';
import { ROOT } from '../cli/helpers.js';
import { exitCodeOf, serveJobs, type Served } from './served.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-jobs-restart-'));
const ca = createCertificateAuthority();
const serverPair = issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1'] });
const users = Object.fromEntries(['alice', 'bob', 'ops'].map((name) => [name, issueCertificate(ca, { commonName: name })])) as Record<'alice' | 'bob' | 'ops', CertificatePair>;
for (const [name, text] of [['ca.crt', ca.certPem], ['server.crt', serverPair.certPem], ['server.key', serverPair.keyPem], ['alice.crt', users.alice.certPem], ['alice.key', users.alice.keyPem]]) writeFileSync(join(dir, name as string), text as string);

const TLS = ['--cert', join(dir, 'server.crt'), '--key', join(dir, 'server.key'), '--ca', join(dir, 'ca.crt')];
const serve = (stateDir: string, ...flags: string[]): Served => serveJobs(TLS, stateDir, ...flags);
const exited = exitCodeOf;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const as = (url: string, pair: CertificatePair): ClientCredentials => ({ server: url, certPem: pair.certPem, keyPem: pair.keyPem, caPem: ca.certPem });

/** Whether the group's leader still runs (a zombie does not count). */
function alive(pgid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pgid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * `simrun jobs ARGS` as alice: its exit code, stdout and stderr. Run without blocking this process,
 * so the client connections it keeps alive see their server close them.
 */
function jobsCli(url: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [`${ROOT}bin/run.js`, 'jobs', ...args, '--server', url, '--cert', join(dir, 'alice.crt'), '--key', join(dir, 'alice.key'), '--ca', join(dir, 'ca.crt')], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' }, maxBuffer: 16_000_000 }, (error, stdout, stderr) =>
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

/** Polls `id`'s status until `done` holds (or 20 s pass). */
async function until(credentials: ClientCredentials, id: string, done: (job: JobStatus) => boolean): Promise<JobStatus> {
  for (let tries = 0; ; tries++) {
    const job = (await remoteJobStatus(credentials, id)) as JobStatus;
    if (done(job) || tries > 200) return job;
    await sleep(100);
  }
}

/** Polls the merged output of `id` until it reads `text`; fails after 60 s of tries (a server that never delivers it). */
async function untilOutput(credentials: ClientCredentials, id: string, text: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    let seen = '';
    await remoteJobOutput(credentials, id, false, (bytes) => void (seen += bytes.toString()));
    if (seen === text) return;
    if (tries >= 600) throw new Error(`the output of ${id} never read ${JSON.stringify(text)} (last: ${JSON.stringify(seen)})`);
    await sleep(100);
  }
}

test('after SIGKILL and a restart: the executing job failed "runner restarted" and its group killed; the queued and the scheduled job ran; output kept', async () => {
  const stateDir = join(dir, 'state-restart');
  const first = serve(stateDir, '--concurrency', '1');
  const alice = as(await first.url, users.alice);
  const long = await startRemoteJob(alice, 'echo started; sleep 60');
  expect(long).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const queued = await startRemoteJob(alice, 'echo queued ran');
  const atMs = Date.now() + 4_000;
  const atIso = new Date(atMs).toISOString();
  const started = await jobsCli(await first.url, 'start', 'echo scheduled ran', '--at', atIso);
  expect(started.status).toBe(0);
  const scheduled = started.stdout.trim();
  await until(alice, long, (job) => job.state === 'executing');
  await sleep(300);
  const pgid = Number((readdirSync(join(stateDir, 'groups'))[0] ?? '').replace('.json', ''));
  expect(alive(pgid)).toBe(true);
  first.child.kill('SIGKILL');
  await exited(first.child);
  // The killed server could not stop its job, but its watchdog did: the group ends without waiting for a next server.
  for (let waited = 0; alive(pgid) && waited < 10_000; waited += 50) await sleep(50);
  expect(alive(pgid)).toBe(false);

  const next = serve(stateDir, '--concurrency', '1');
  const url = await next.url;
  expect(alive(pgid)).toBe(false);
  const again = as(url, users.alice);
  await until(again, scheduled, (job) => job.state === 'completed');
  await until(again, queued, (job) => job.state === 'completed');
  const status = await jobsCli(url, 'status', '--json');
  expect(status.status).toBe(0);
  const jobs = (JSON.parse(status.stdout) as { jobs: JobStatus[] }).jobs;
  const byId = new Map(jobs.map((job) => [job.id, job]));
  expect(byId.get(long)).toMatchObject({ state: 'failed', reason: 'runner restarted' });
  expect(byId.get(queued)).toMatchObject({ state: 'completed', exit: 'exit 0' });
  expect(byId.get(scheduled)).toMatchObject({ state: 'completed', startAtMs: atMs });
  expect(byId.get(scheduled)?.startedAtMs).toBeGreaterThanOrEqual(atMs);
  expect((await jobsCli(url, 'logs', long)).stdout).toBe('started\n');
  expect((await jobsCli(url, 'logs', queued)).stdout).toBe('queued ran\n');
  expect(next.log()).toMatch(new RegExp(`"kind":"jobs.recovered".*"id":"${long}","was":"executing","now":"failed"`));

  // stdout and stderr apart, the merged view by default: the chunks in the order the server received
  // them. Two pipes keep no order between them (a server that reads late finds both ready), so the job
  // writes each line only once the server has the one before: the test lets it go on, not a sleep.
  const gate = join(dir, 'both-gate');
  const both = await startRemoteJob(again, `echo out1; until [ -e '${gate}-1' ]; do sleep 0.05; done; echo err1 >&2; until [ -e '${gate}-2' ]; do sleep 0.05; done; echo out2`);
  await untilOutput(again, both, 'out1\n');
  writeFileSync(`${gate}-1`, '');
  await untilOutput(again, both, 'out1\nerr1\n');
  writeFileSync(`${gate}-2`, '');
  await until(again, both, (job) => job.state === 'completed');
  expect((await jobsCli(url, 'logs', both, '--stream', 'stdout')).stdout).toBe('out1\nout2\n');
  expect((await jobsCli(url, 'logs', both, '--stream', 'stderr')).stdout).toBe('err1\n');
  expect((await jobsCli(url, 'logs', both)).stdout).toBe('out1\nerr1\nout2\n');
  const bad = await jobsCli(url, 'logs', both, '--stream', 'both');
  expect(bad.status).toBe(2);
  next.child.kill('SIGTERM');
  expect(await exited(next.child)).toBe(0);
}, 180_000);

test('a finished job leaves memory after --retention-ms and is still answered for; the in-memory output stays under its cap', async () => {
  const stateDir = join(dir, 'state-retention');
  const served = serve(stateDir, '--retention-ms', '300', '--output-memory-bytes', '65536');
  const alice = as(await served.url, users.alice);
  const id = await startRemoteJob(alice, 'head -c 3000000 /dev/zero; echo done >&2');
  await until(alice, id, (job) => job.state === 'completed');
  for (let tries = 0; !served.log().includes(`"kind":"job.forgotten","data":{"job":"${id}"}`) && tries < 100; tries++) await sleep(100);
  expect(served.log()).toContain(`"kind":"job.forgotten","data":{"job":"${id}"}`);
  expect(await remoteJobStatus(alice, id)).toMatchObject({ id, state: 'completed', exit: 'exit 0' });
  const logs = await jobsCli(await served.url, 'logs', id);
  expect(logs.stdout.length).toBe(3_000_005);
  expect((await jobsCli(await served.url, 'logs', id, '--stream', 'stderr')).stdout).toBe('done\n');
  served.child.kill('SIGTERM');
  expect(await exited(served.child)).toBe(0);
  // At most the cap was kept in memory (and in jobs.db); the rest is in the spill file.
  const db = new Database(join(stateDir, 'jobs.db'), { readonly: true });
  const kept = (db.prepare('SELECT COALESCE(SUM(LENGTH(bytes)), 0) AS n FROM job_output WHERE job = ?').get(id) as { n: number }).n;
  db.close();
  expect(kept).toBeLessThanOrEqual(65_536);
  expect(statSync(join(stateDir, 'output', `${id}.out`)).size).toBe(3_000_005 - kept);
}, 180_000);

test('an --admin certificate sees and stops every user’s jobs; another user is still refused; TLS 1.2 and a zoneless --at are refused', async () => {
  const served = serve(join(dir, 'state-admin'), '--admin', 'ops');
  const url = await served.url;
  const [alice, bob, ops] = [as(url, users.alice), as(url, users.bob), as(url, users.ops)];
  const id = await startRemoteJob(alice, 'sleep 60');
  const own = await startRemoteJob(ops, 'true');
  await expect(remoteJobStatus(bob, id)).rejects.toThrow(RemoteError);
  await expect(stopRemoteJob(bob, id)).rejects.toMatchObject({ status: 404 });
  expect(((await remoteJobStatus(bob)) as JobStatus[]).map((job) => job.id)).toEqual([]);
  expect(((await remoteJobStatus(ops)) as JobStatus[]).map((job) => job.id)).toEqual([id, own]);
  expect(((await remoteJobStatus(alice)) as JobStatus[]).map((job) => job.id)).toEqual([id]);
  expect(await remoteJobStatus(ops, id)).toMatchObject({ id, owner: 'alice' });
  await stopRemoteJob(ops, id);
  expect(await until(alice, id, (job) => job.state === 'stopped')).toMatchObject({ state: 'stopped', owner: 'alice' });
  // TLS 1.2 is refused unless the server was started with --tls-min 1.2; --at without a zone is refused by the client.
  const tls12 = await new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port), ca: ca.certPem, cert: users.alice.certPem, key: users.alice.keyPem, servername: 'localhost', maxVersion: 'TLSv1.2' });
    socket.once('secureConnect', () => resolve(`connected ${socket.getProtocol() ?? ''}`));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(`refused ${error.code ?? error.message}`));
  });
  expect(tls12).toMatch(/^refused /);
  const noZone = await jobsCli(url, 'start', 'true', '--at', '2030-01-01T02:00:00');
  expect(noZone.status).toBe(2);
  expect(noZone.stderr).toMatch(/--at: expected an ISO 8601 date and time with a zone/);
  served.child.kill('SIGTERM');
  expect(await exited(served.child)).toBe(0);
}, 120_000);
