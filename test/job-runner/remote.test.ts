/**
 * The job runner's remote API over real TLS on loopback: mutual TLS refuses a client without a
 * certificate, one whose certificate another CA signed, and a user reaching for another user's
 * job; the owner starts, follows, and stops real shell jobs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { realEnv } from '../../src/env/real-env.js';
import { createCertificateAuthority, issueCertificate, type CertificatePair } from '../../src/real/job-runner/certs.js';
import { remoteJobOutput, remoteJobStatus, RemoteError, startRemoteJob, stopRemoteJob, type ClientCredentials } from '../../src/real/job-runner/client.js';
import { createJobsServer } from '../../src/real/job-runner/server.js';
import { createShellExecutor } from '../../src/real/job-runner/shell-executor.js';
import { JobRunner } from '../../src/systems/job-runner/job-runner.js';
import type { Server } from 'node:https';

let server: Server;
let url: string;
let ca: CertificatePair;
let alice: ClientCredentials;
let bob: ClientCredentials;
let mallory: ClientCredentials;

beforeAll(async () => {
  ca = createCertificateAuthority();
  const serverPair = issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1'] });
  const runner = new JobRunner({ env: realEnv('jobs-server', { logLine: () => undefined }), executor: createShellExecutor({ killGraceMs: 500 }), concurrencyLimit: 4 });
  server = createJobsServer({ runner, certPem: serverPair.certPem, keyPem: serverPair.keyPem, caPem: ca.certPem });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = (pair: CertificatePair): ClientCredentials => ({ server: url, certPem: pair.certPem, keyPem: pair.keyPem, caPem: ca.certPem });
  alice = credentials(issueCertificate(ca, { commonName: 'alice' }));
  bob = credentials(issueCertificate(ca, { commonName: 'bob' }));
  mallory = credentials(issueCertificate(createCertificateAuthority('another CA'), { commonName: 'alice' }));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Resolves with how a request without any client certificate ended. */
function requestWithoutCertificate(): Promise<string> {
  return new Promise((resolve) => {
    const outgoing = request(`${url}/jobs`, { method: 'GET', ca: ca.certPem }, (response) => resolve(`answered ${response.statusCode}`));
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
    outgoing.end();
  });
}

/** A raw request as `alice`: status and body text, whatever the server answers. */
function raw(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}${path}`, { method, cert: alice.certPem, key: alice.keyPem, ca: ca.certPem }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('jobs API: refusals are JSON with a matching status, and never take a slot', () => {
  test('commands the kernel cannot start (NUL byte, too long, empty) are refused with 400; later jobs still run', async () => {
    for (const command of ['echo a\u0000b', 'echo ' + 'x'.repeat(140_000), '', '   ']) {
      const answer = await raw('POST', '/jobs', JSON.stringify({ command }));
      expect(answer.status).toBe(400);
      expect(typeof JSON.parse(answer.body).error).toBe('string');
    }
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => startRemoteJob(alice, `echo ${n}`)));
    for (const id of ids) {
      let output = '';
      await remoteJobOutput(alice, id, true, (bytes) => void (output += bytes.toString()));
      expect(((await remoteJobStatus(alice, id)) as { state: string }).state).toBe('completed');
      expect(output).toMatch(/^\d\n$/);
    }
  });

  test('odd bodies and methods get a JSON error with a 4xx status', async () => {
    const cases: [string, string, string | undefined, number][] = [
      ['POST', '/jobs', 'null', 400],
      ['POST', '/jobs', '[]', 400],
      ['POST', '/jobs', '{"command": 3}', 400],
      ['POST', '/jobs', '{"command": "true", "at": "soon"}', 400],
      ['POST', '/jobs', 'not json', 400],
      ['POST', '/jobs', undefined, 400],
      ['DELETE', '/jobs', undefined, 405],
      ['GET', '/nothing', undefined, 404],
      ['POST', '/jobs/x/stop', undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const answer = await raw(method, path, body);
      expect([method, path, body, answer.status]).toEqual([method, path, body, status]);
      expect(JSON.parse(answer.body)).toMatchObject({ error: expect.any(String) });
      expect(answer.body).not.toMatch(/undefined|TypeError/);
    }
  });

  test('output is bytes: 4096 random bytes come back as the same 4096 bytes', async () => {
    const id = await startRemoteJob(alice, 'head -c 4096 /dev/urandom | tee /tmp/simrun-random-$$ ; cat /tmp/simrun-random-$$ 1>&2; rm /tmp/simrun-random-$$');
    const chunks: Buffer[] = [];
    await remoteJobOutput(alice, id, true, (bytes) => void chunks.push(bytes));
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(8192);
    expect(all.subarray(0, 4096).equals(all.subarray(4096))).toBe(true);
    const whole: Buffer[] = [];
    await remoteJobOutput(alice, id, false, (bytes) => void whole.push(bytes));
    expect(Buffer.concat(whole).equals(all)).toBe(true);
  });
});

describe('jobs API over mutual TLS', () => {
  test('the owner starts a job, follows its output live, and sees it completed', async () => {
    // The job writes its stderr line once the live output has brought its stdout line: two pipes keep
    // no order between them, so a sleep between the lines would order them only on an idle machine.
    const gate = join(mkdtempSync(join(tmpdir(), 'simrun-remote-')), 'go');
    const id = await startRemoteJob(alice, `echo one; until [ -e '${gate}' ]; do sleep 0.05; done; echo two 1>&2; exit 0`);
    const chunks: string[] = [];
    await remoteJobOutput(alice, id, true, (bytes) => {
      chunks.push(bytes.toString());
      if (chunks.join('') === 'one\n') writeFileSync(gate, '');
    });
    expect(chunks.join('')).toBe('one\ntwo\n');
    const status = (await remoteJobStatus(alice, id)) as { state: string; owner: string; exit: string };
    expect([status.state, status.owner, status.exit]).toEqual(['completed', 'alice', 'exit 0']);
    const own = (await remoteJobStatus(alice)) as { id: string }[];
    expect(own.map((job) => job.id)).toContain(id);
  });

  test('the owner stops a job: its whole process group goes', async () => {
    const id = await startRemoteJob(alice, 'sleep 30 & sleep 30; echo never');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await stopRemoteJob(alice, id)).state).toBe('executing');
    let output = '';
    await remoteJobOutput(alice, id, true, (bytes) => void (output += bytes.toString()));
    const status = (await remoteJobStatus(alice, id)) as { state: string; exit: string };
    expect([status.state, status.exit, output]).toEqual(['stopped', 'signal SIGTERM', '']);
  });

  test('a client without a certificate is refused during the handshake', async () => {
    expect(await requestWithoutCertificate()).toMatch(/^refused: /);
  });

  test('a certificate from another CA is refused, even with the owner’s name in it', async () => {
    await expect(remoteJobStatus(mallory)).rejects.toThrow();
    await expect(remoteJobStatus(mallory)).rejects.not.toBeInstanceOf(RemoteError);
  });

  test('another user’s certificate can neither see, follow nor stop the job: 404, as for no job at all', async () => {
    const id = await startRemoteJob(alice, 'sleep 5');
    for (const attempt of [() => remoteJobStatus(bob, id), () => stopRemoteJob(bob, id), () => remoteJobOutput(bob, id, false, () => undefined)]) {
      await expect(attempt()).rejects.toMatchObject({ name: 'RemoteError', status: 404, message: `no job ${id}` });
    }
    expect(((await remoteJobStatus(bob)) as unknown[]).length).toBe(0);
    expect((await remoteJobStatus(alice, id)) as { state: string }).toMatchObject({ state: 'executing' });
    await stopRemoteJob(alice, id);
  });
});
