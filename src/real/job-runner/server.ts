/**
 * The job runner's remote API: HTTPS with mutual TLS. The server only talks to clients whose
 * certificate its CA signed (`requestCert` + `rejectUnauthorized`), and a client sees and stops only
 * the jobs it started: the owner of a job is the subject CN of the certificate that started it.
 * Another user's job answers 404, exactly like a job that does not exist, so ids leak nothing.
 *
 * - `POST /jobs` `{ "command": "...", "at"?: ms }` → 201 `{ id }`
 * - `GET /jobs` → the caller's jobs
 * - `GET /jobs/ID` → its status
 * - `POST /jobs/ID/stop` → its status after the stop request
 * - `GET /jobs/ID/output` → its output so far; `?follow=1` streams it live until the job ends
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { JobRunner, UnknownJob } from '../../systems/job-runner/job-runner.js';

export interface JobsServerOptions {
  readonly runner: JobRunner;
  readonly certPem: string;
  readonly keyPem: string;
  /** The CA whose client certificates are accepted. */
  readonly caPem: string;
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
  return createServer({ cert: options.certPem, key: options.keyPem, ca: options.caPem, requestCert: true, rejectUnauthorized: true }, (request, response) => {
    handle(runner, request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!response.headersSent) sendJson(response, status, { error: (error as Error).message });
      else response.end();
    });
  });
}

async function handle(runner: JobRunner, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const owner = clientName(request);
  const url = new URL(request.url ?? '/', 'https://localhost');
  const parts = url.pathname.split('/').filter(Boolean);
  const ownJob = (id: string): string => {
    try {
      if (runner.status(id).owner === owner) return id;
    } catch (error) {
      if (!(error instanceof UnknownJob)) throw error;
    }
    throw new HttpError(404, `no job ${id}`);
  };
  if (parts[0] !== 'jobs' || parts.length > 3) throw new HttpError(404, 'not found');
  if (parts.length === 1 && request.method === 'POST') {
    const body = (await readJson(request)) as { command?: unknown; at?: unknown };
    if (typeof body.command !== 'string' || body.command === '') throw new HttpError(400, 'expected { "command": "..." }');
    if (body.at !== undefined && (typeof body.at !== 'number' || !Number.isFinite(body.at))) throw new HttpError(400, '"at" must be ms since the Unix epoch');
    const id = runner.start({ command: body.command, owner }, body.at === undefined ? {} : { at: body.at as number });
    return sendJson(response, 201, { id });
  }
  if (parts.length === 1 && request.method === 'GET') return sendJson(response, 200, { jobs: runner.list(owner) });
  const id = ownJob(parts[1] as string);
  if (parts.length === 2 && request.method === 'GET') return sendJson(response, 200, runner.status(id));
  if (parts[2] === 'stop' && request.method === 'POST') return sendJson(response, 200, runner.stop(id));
  if (parts[2] === 'output' && request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    if (url.searchParams.get('follow') !== '1') return void response.end(runner.output(id).text());
    for await (const chunk of runner.output(id).stream()) {
      if (response.destroyed) return;
      response.write(chunk.text);
    }
    return void response.end();
  }
  throw new HttpError(405, `${request.method} ${url.pathname} is not supported`);
}

/** The subject CN of the client's certificate: the TLS layer has already checked the CA signed it. */
function clientName(request: IncomingMessage): string {
  const cn = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (typeof name !== 'string' || name === '') throw new HttpError(403, 'the client certificate has no subject CN');
  return name;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 1_000_000) throw new HttpError(413, 'request too large');
  }
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
