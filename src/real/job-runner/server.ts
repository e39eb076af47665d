/**
 * The job runner's remote API: HTTPS with mutual TLS. The server only talks to clients whose
 * certificate its CA signed (`requestCert` + `rejectUnauthorized`), and a client sees and stops only
 * the jobs it started: the owner of a job is the subject CN of the certificate that started it.
 * Another user's job answers 404, exactly like a job that does not exist, so ids leak nothing. The
 * CNs named as `admins` see and stop every user's jobs (and start their own, as anyone does). Every
 * request goes through a `CallerView`, so the rule is the simulation's (`access-policy.ts`), not a
 * copy of it.
 *
 * - `POST /jobs` `{ "command": "...", "at"?: ms, "timeoutMs"?: ms }` → 201 `{ id }`; 400 for a command
 *   the executor cannot start (it never takes a slot), 503 while shutting down
 * - `GET /jobs` → the caller's jobs (an admin's: everyone's)
 * - `GET /jobs/ID` → its status
 * - `POST /jobs/ID/stop` → its status after the stop request
 * - `GET /jobs/ID/output` → its output so far, as bytes (`content-length` set); `?follow=1` streams
 *   it live until the job ends; `?stream=stdout` or `stderr` serves that stream alone, `merged` (the
 *   default) both interleaved as produced
 *
 * Every error is a JSON body `{ "error": "..." }` with a 4xx/5xx status that says what went wrong; a
 * failure after an output response has begun cuts the connection, so a client never mistakes a
 * partial output for a whole one.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Env } from '../../env/env.js';
import { callerNamed, CallerView } from '../../systems/job-runner/access.js';
import { JobRunner, RefusedCommand, RunnerShuttingDown, UnknownJob } from '../../systems/job-runner/job-runner.js';
import type { ByteOutput, JobOutputSink, OutputView } from '../../systems/job-runner/job-output.js';

/** The largest request body accepted, bytes. */
export const MAX_REQUEST_BYTES = 1_048_576;

export interface JobsServerOptions {
  readonly runner: JobRunner<JobOutputSink & ByteOutput>;
  readonly certPem: string;
  readonly keyPem: string;
  /** The CA whose client certificates are accepted. */
  readonly caPem: string;
  /** The lowest TLS version accepted (default TLSv1.3). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Client CNs that see and stop every user's jobs (default: none). */
  readonly admins?: readonly string[];
  /** Where each access decision is logged (`job.access`, `job.listed`); none: not logged. */
  readonly env?: Env;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createJobsServer(options: JobsServerOptions): Server {
  const { runner } = options;
  const admins = new Set(options.admins ?? []);
  const server = createServer(
    { cert: options.certPem, key: options.keyPem, ca: options.caPem, requestCert: true, rejectUnauthorized: true, minVersion: options.minVersion ?? 'TLSv1.3' },
    (request, response) => {
      handle(runner, admins, options.env, request, response).catch((error: unknown) => {
        if (response.headersSent) {
          // Too late for a status: cut the connection so the client sees an incomplete answer, not a short one.
          response.destroy();
          return;
        }
        if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message });
        sendJson(response, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
      });
    },
  );
  // A request Node's HTTP parser refuses (a malformed one, headers too large, one too slow) gets a
  // JSON answer like every other refusal, not Node's bare "400 Bad Request".
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const [status, reason] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
    const body = JSON.stringify({ error: `${reason.toLowerCase()}: ${error.code ?? error.message}` });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  // A request that never finishes its headers or body must not hold a connection for ever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  return server;
}

async function handle(runner: JobRunner<JobOutputSink & ByteOutput>, admins: ReadonlySet<string>, env: Env | undefined, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const owner = clientName(request);
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'https://localhost');
  } catch {
    throw new HttpError(400, 'the request path is not a valid URL path');
  }
  const parts = url.pathname.split('/').filter(Boolean);
  const method = request.method ?? '';
  if (parts[0] !== 'jobs' || parts.length > 3 || (parts.length === 3 && parts[2] !== 'stop' && parts[2] !== 'output')) throw new HttpError(404, `no such endpoint: ${url.pathname}`);
  const allowed = parts.length === 1 ? ['GET', 'POST'] : parts.length === 2 ? ['GET'] : parts[2] === 'stop' ? ['POST'] : ['GET'];
  if (!allowed.includes(method)) {
    response.setHeader('allow', allowed.join(', '));
    throw new HttpError(405, `${method} ${url.pathname} is not supported (use ${allowed.join(' or ')})${parts.length === 1 && method === 'DELETE' ? '; to stop a job, POST /jobs/ID/stop' : ''}`);
  }
  if (parts.length === 1 && method === 'POST') return sendJson(response, 201, { id: startJob(runner, owner, await readJson(request)) });
  const caller = new CallerView(runner, callerNamed(owner, admins), env);
  if (parts.length === 1) return sendJson(response, 200, { jobs: caller.list() });
  const id = parts[1] as string;
  const view = url.searchParams.get('stream');
  if (parts.length === 2) return sendJson(response, 200, knownJob(id, () => caller.status(id)));
  if (parts[2] === 'stop') return sendJson(response, 200, knownJob(id, () => caller.stop(id)));
  return sendOutput(knownJob(id, () => caller.output(id)), url.searchParams.get('follow') === '1', outputView(view), response);
}

/** What `act` answers for job `id`; 404 when the job does not exist or is not the caller's to see, alike. */
function knownJob<T>(id: string, act: () => T): T {
  try {
    return act();
  } catch (error) {
    if (error instanceof UnknownJob) throw new HttpError(404, `no job ${id}`);
    throw error;
  }
}

/** `?stream=`: which of the job's output streams to serve. */
function outputView(value: string | null): OutputView {
  if (value === null || value === 'merged' || value === 'stdout' || value === 'stderr') return value ?? 'merged';
  throw new HttpError(400, `"stream" must be stdout, stderr or merged, got '${value}'`);
}

function startJob(runner: JobRunner<JobOutputSink & ByteOutput>, owner: string, body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object { "command": "...", "at"?: ms, "timeoutMs"?: ms }');
  const { command, at, timeoutMs } = body as { command?: unknown; at?: unknown; timeoutMs?: unknown };
  if (typeof command !== 'string') throw new HttpError(400, '"command" must be a string');
  if (at !== undefined && (typeof at !== 'number' || !Number.isFinite(at))) throw new HttpError(400, '"at" must be a number: ms since the Unix epoch');
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)) throw new HttpError(400, '"timeoutMs" must be a positive whole number of ms');
  try {
    return runner.start({ command, owner }, { ...(at === undefined ? {} : { at: at as number }), ...(timeoutMs === undefined ? {} : { timeoutMs: timeoutMs as number }) });
  } catch (error) {
    if (error instanceof RefusedCommand) throw new HttpError(error instanceof RunnerShuttingDown ? 503 : 400, error.message);
    throw error;
  }
}

/** The output as bytes, minding backpressure: a slow reader holds the server's memory to one chunk. */
async function sendOutput(output: ByteOutput, follow: boolean, view: OutputView, response: ServerResponse): Promise<void> {
  const reader = output.bytes(follow, view);
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
  if (!follow) headers['content-length'] = output.sizeOf(view);
  response.writeHead(200, headers);
  try {
    for await (const bytes of reader) {
      if (response.destroyed) return;
      if (bytes.length > 0 && !response.write(bytes)) await drained(response);
    }
  } finally {
    await reader.return();
  }
  response.end();
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** The subject CN of the client's certificate: the TLS layer has already checked the CA signed it. */
function clientName(request: IncomingMessage): string {
  const cn = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (typeof name !== 'string' || name === '') throw new HttpError(403, 'the client certificate has no subject CN');
  return name;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  // A body declared past the limit is refused before a byte of it is read: waiting for bytes a
  // client may never send would hold the connection until the request timeout.
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_REQUEST_BYTES) throw new HttpError(413, `the request body is larger than ${MAX_REQUEST_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_REQUEST_BYTES) throw new HttpError(413, `the request body is larger than ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'expected a JSON body { "command": "..." }');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  // After a refused body the rest of it is never read: close the connection rather than parse it as the next request.
  if (status === 413) response.shouldKeepAlive = false;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
