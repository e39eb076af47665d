/**
 * The job runner's remote API over real TLS on loopback: mutual TLS refuses a client without a
 * certificate, one whose certificate another CA signed, and a user reaching for another user's
 * job; the owner starts, follows, and stops real shell jobs.
 */
import type { AddressInfo } from 'node:net';
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

describe('jobs API over mutual TLS', () => {
  test('the owner starts a job, follows its output live, and sees it completed', async () => {
    const id = await startRemoteJob(alice, 'echo one; sleep 0.2; echo two 1>&2; exit 0');
    const chunks: string[] = [];
    await remoteJobOutput(alice, id, true, (text) => chunks.push(text));
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
    await remoteJobOutput(alice, id, true, (text) => (output += text));
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
