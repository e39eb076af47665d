/**
 * The client side of the job runner's mutual-TLS API (`server.ts`): each call presents the
 * user's certificate and trusts only the given CA.
 */
import { request } from 'node:https';
import { InputError } from '../../env/errors.js';
import type { JobStatus } from '../../systems/job-runner/job-runner.js';
import { readInputFile } from '../common/files.js';

export interface ClientCredentials {
  /** `https://host:port` */
  readonly server: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

/** An answer other than 2xx, with the server's message. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the PEM files the flags name; a missing one is an `InputError`. */
export async function loadCredentials(server: string, paths: { cert: string; key: string; ca: string }): Promise<ClientCredentials> {
  if (!/^https:\/\//.test(server)) throw new InputError(`--server must be an https:// URL, got '${server}'`);
  return { server, certPem: await readInputFile(paths.cert, 'the certificate'), keyPem: await readInputFile(paths.key, 'the key'), caPem: await readInputFile(paths.ca, 'the CA certificate') };
}

/** One request; `onChunk` receives the body as it streams, else it is returned whole. */
function call(credentials: ClientCredentials, method: string, path: string, body?: unknown, onChunk?: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = request(
      new URL(path, credentials.server),
      { method, cert: credentials.certPem, key: credentials.keyPem, ca: credentials.caPem, headers: payload === undefined ? {} : { 'content-type': 'application/json' } },
      (response) => {
        response.setEncoding('utf8');
        let text = '';
        const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
        response.on('data', (chunk: string) => (ok && onChunk !== undefined ? onChunk(chunk) : (text += chunk)));
        response.on('end', () => {
          if (ok) return resolve(text);
          let message = text;
          try {
            message = (JSON.parse(text) as { error?: string }).error ?? text;
          } catch {
            // not JSON: the text is the message
          }
          reject(new RemoteError(response.statusCode ?? 0, message));
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

export async function startRemoteJob(credentials: ClientCredentials, command: string, atMs?: number): Promise<string> {
  return (JSON.parse(await call(credentials, 'POST', '/jobs', { command, ...(atMs === undefined ? {} : { at: atMs }) })) as { id: string }).id;
}

export async function remoteJobStatus(credentials: ClientCredentials, id?: string): Promise<JobStatus | JobStatus[]> {
  if (id === undefined) return (JSON.parse(await call(credentials, 'GET', '/jobs')) as { jobs: JobStatus[] }).jobs;
  return JSON.parse(await call(credentials, 'GET', `/jobs/${encodeURIComponent(id)}`)) as JobStatus;
}

export async function stopRemoteJob(credentials: ClientCredentials, id: string): Promise<JobStatus> {
  return JSON.parse(await call(credentials, 'POST', `/jobs/${encodeURIComponent(id)}/stop`)) as JobStatus;
}

/** The job's output; with `follow`, each chunk goes to `onChunk` as it is produced, until the job ends. */
export async function remoteJobOutput(credentials: ClientCredentials, id: string, follow: boolean, onChunk: (text: string) => void): Promise<void> {
  await call(credentials, 'GET', `/jobs/${encodeURIComponent(id)}/output${follow ? '?follow=1' : ''}`, undefined, onChunk);
}

/**
 * Runs one client call for the CLI: a refusal by the server (an unknown or foreign job, a bad
 * request) or by TLS (no or wrong certificate), or no server at all, becomes one `InputError` line.
 */
export async function asCliCall<T>(server: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const detail = error instanceof RemoteError ? `${error.status} ${error.message}` : `${(error as Error).message}${code && !(error as Error).message.includes(code) ? ` (${code})` : ''}`;
    throw new InputError(`${server}: ${detail}`);
  }
}

/** Where a client command connects, as its flags name it. */
export interface ServerConnection {
  /** `https://host:port` */
  readonly server: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** What every `simrun jobs` client command does: load the credentials, make one call, turn a refusal into one line. */
export async function withJobsServer<T>(connection: ServerConnection, call: (credentials: ClientCredentials) => Promise<T>): Promise<T> {
  const credentials = await loadCredentials(connection.server, connection);
  return asCliCall(connection.server, () => call(credentials));
}

/** `--at` as typed: an ISO 8601 date and time with a zone, as ms since the Unix epoch. */
export function parseStartTime(text: string): number {
  const atMs = Date.parse(text);
  if (Number.isNaN(atMs)) throw new InputError(`--at: expected a date and time like 2030-01-01T02:00:00Z, got '${text}'`);
  return atMs;
}
