/**
 * Hostile requests against a real `jobs serve` (an OS process, real certificates, loopback):
 * fast-check draws methods, paths, content types and bodies — null, arrays, wrong types, NUL bytes,
 * huge strings, deep nesting, bytes that are not UTF-8 — and every answer must be JSON with a
 * status that says what went wrong (never 500). A declared body far past the limit is refused
 * before it is read. At the end every concurrency slot is free (jobs still start and run to the
 * end) and the server's resident memory is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/real/job-runner/certs.js';
import { remoteJobOutput, remoteJobStatus, startRemoteJob, type ClientCredentials } from '../../src/real/job-runner/client.js';
import { ROOT } from '../cli/helpers.js';

const RUNS = Number(process.env.SIMRUN_HOSTILE_RUNS ?? 1) * 150;
const SEED = Number(process.env.SIMRUN_HOSTILE_SEED ?? 18);
const CONCURRENCY = 2;
/** Resident memory the server may reach after the whole barrage, bytes: far above its working set, far below a leak of the bodies sent. */
const RSS_LIMIT_BYTES = 400 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'simrun-hostile-api-'));
const ca = createCertificateAuthority();
const serverPair = issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1'] });
const alicePair = issueCertificate(ca, { commonName: 'alice' });
for (const [name, text] of [
  ['ca.crt', ca.certPem],
  ['server.crt', serverPair.certPem],
  ['server.key', serverPair.keyPem],
] as const)
  writeFileSync(join(dir, name), text);

let server: ChildProcess;
let url: string;
let alice: ClientCredentials;

beforeAll(async () => {
  server = spawn(process.execPath, [`${ROOT}bin/run.js`, 'jobs', 'serve', '--cert', join(dir, 'server.crt'), '--key', join(dir, 'server.key'), '--ca', join(dir, 'ca.crt'), '--port', '0', '--concurrency', String(CONCURRENCY), '--state-dir', join(dir, 'state'), '--stop-timeout-ms', '3000'], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    server.stdout?.setEncoding('utf8');
    server.stdout?.on('data', (text: string) => {
      seen += text;
      const match = /serving jobs on (https:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1] as string);
    });
    server.on('exit', (code) => reject(new Error(`jobs serve exited with ${String(code)}`)));
  });
  alice = { server: url, certPem: alicePair.certPem, keyPem: alicePair.keyPem, caPem: ca.certPem };
});

afterAll(async () => {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
});

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/** One raw request as alice; a connection the server cut after answering counts as its answer. */
function send(method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer | { readonly error: string }> {
  return new Promise((resolve) => {
    const outgoing = request(`${url}${path}`, { method, headers, cert: alicePair.certPem, key: alicePair.keyPem, ca: ca.certPem, timeout: 20_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      response.on('error', (error) => resolve({ error: error.message }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer in 20 s')));
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    outgoing.end(body);
  });
}

/** What is wrong with an answer, or undefined when it is an honest one. */
function judge(method: string, path: string, sent: number, answer: Answer | { readonly error: string }): string | undefined {
  if ('error' in answer) {
    // The server may answer 413 and close before a body past the limit is all sent.
    return sent > 1_048_576 && /EPIPE|ECONNRESET/.test(answer.error) ? undefined : `no answer: ${answer.error}`;
  }
  if (answer.status >= 500) return `status ${answer.status}: ${answer.body.toString('utf8', 0, 300)}`;
  if (method === 'HEAD') return undefined;
  const output = answer.status === 200 && /\/output/.test(path);
  if (output) return answer.contentType === 'application/octet-stream' ? undefined : `output as ${answer.contentType}`;
  if (!answer.contentType.startsWith('application/json')) return `status ${answer.status} as ${answer.contentType}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return `status ${answer.status} with a body that is not JSON`;
  }
  if (answer.status >= 400 && typeof (parsed as { error?: unknown }).error !== 'string') return `status ${answer.status} without an "error" message`;
  if (answer.status < 200 || answer.status >= 500) return `status ${answer.status}`;
  return undefined;
}

/** Numbers a field of the right type may still hold absurdly. */
const absurdNumber = fc.constantFrom(0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 31, 0.5, Number.MIN_VALUE);

/** A command that does nothing if it ever runs (a shell comment), so a drawn string cannot start real work. */
const harmlessCommand = fc.string({ maxLength: 50 }).map((text) => `# ${text.replace(/\n/g, ' ')}`);

const bodies: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('null', '[]', '{}', '""', '0', 'true', '{"command":null}', '{"command":[]}', '{"command":{}}', '{"command":1}', '{"command":"a\\u0000b"}', '{"command":""}', '{', '{"command":"#"', '\u0000').map((text) => Buffer.from(text)),
  fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  fc.record({ command: fc.oneof(harmlessCommand, fc.jsonValue({ maxDepth: 2 })), at: fc.option(absurdNumber, { nil: undefined }), timeoutMs: fc.option(absurdNumber, { nil: undefined }) }).map((value) => Buffer.from(JSON.stringify(value))),
  fc.constantFrom(1_000, 100_000).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.constantFrom(140_000, 1_048_577, 3_000_000).map((size) => Buffer.from(JSON.stringify({ command: `echo ${'x'.repeat(size)}` }))),
  fc.uint8Array({ minLength: 1, maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
);

const requests = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
  path: fc.oneof(
    fc.constantFrom('/jobs', '/jobs/', '/jobs/none', '/jobs/none/stop', '/jobs/none/output', '/jobs/none/output?follow=1', '/jobs/%00', '/jobs/%ZZ', '/', '//jobs', '/jobs/a/b/c/d', '/jobs/../jobs', `/jobs/${'a'.repeat(8_000)}`, '/jobs?x=%ff'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((text) => `/jobs/${encodeURIComponent(text)}`),
  ),
  contentType: fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '\u00ff'.replace('\u00ff', 'x/y')),
  body: bodies,
});

describe('jobs API under hostile requests', () => {
  it('answers every drawn request with JSON and a matching 2xx/4xx status, never 500', async () => {
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(requests, async ({ method, path, contentType, body }) => {
        const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
        const answer = await send(method, path, headers, method === 'GET' || method === 'HEAD' ? undefined : body);
        const problem = judge(method, path, body?.length ?? 0, answer);
        // Every problem is collected and listed at the end, rather than the first one shrunk.
        if (problem !== undefined) problems.push(`${method} ${path.slice(0, 60)} (${body?.length ?? 0} body bytes): ${problem}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(problems).toEqual([]);
  }, 300_000);

  it('refuses a declared body far past the limit with 413 before reading it (no wait for bytes never sent)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const socket = connect({ host: hostname, port: Number(port), cert: alicePair.certPem, key: alicePair.keyPem, ca: ca.certPem, servername: 'localhost' }, () => {
        socket.write(`POST /jobs HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 1000000000000\r\n\r\n{"command":`);
      });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      setTimeout(() => reject(new Error('no answer in 10 s')), 10_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('leaves every slot free and its memory bounded: jobs still start and run to the end', async () => {
    const ids = await Promise.all(Array.from({ length: CONCURRENCY + 1 }, (_, n) => startRemoteJob(alice, `echo still-${n}`)));
    for (const [n, id] of ids.entries()) {
      let output = '';
      await remoteJobOutput(alice, id, true, (bytes) => void (output += bytes.toString()));
      expect(((await remoteJobStatus(alice, id)) as { state: string }).state).toBe('completed');
      expect(output).toBe(`still-${n}\n`);
    }
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(server.pid)}/status`, 'utf8'))?.[1]) * 1024;
    expect(rss).toBeLessThan(RSS_LIMIT_BYTES);
  }, 60_000);
});
