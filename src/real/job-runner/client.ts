/**
 * The client side of the job runner's mutual-TLS API (`server.ts`): each call presents the
 * user's certificate and trusts only the given CA.
 */
import { request } from 'node:https';
import { InputError } from '../../env/errors.js';
import type { JobStatus } from '../../systems/job-runner/job-runner.js';
import type { OutputView } from '../../systems/job-runner/job-output.js';
import { loadTlsFiles } from './tls-files.js';

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

/** Reads and checks the PEM files the flags name; a missing, unparsable or mismatched one is an `InputError`. */
export async function loadCredentials(server: string, paths: { cert: string; key: string; ca: string }): Promise<ClientCredentials> {
  if (!/^https:\/\//.test(server)) throw new InputError(`--server must be an https:// URL, got '${server}'`);
  return { server, ...(await loadTlsFiles(paths, 'your')) };
}

/**
 * One request; `onChunk` receives the body's bytes as they stream, else it is returned whole as text.
 * An answer cut off before its end rejects: a partial output is never taken for a whole one.
 */
function call(credentials: ClientCredentials, method: string, path: string, body?: unknown, onChunk?: (bytes: Buffer) => void | Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = request(
      new URL(path, credentials.server),
      { method, cert: credentials.certPem, key: credentials.keyPem, ca: credentials.caPem, headers: payload === undefined ? {} : { 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
        response.on('data', (chunk: Buffer) => {
          if (!ok || onChunk === undefined) return void chunks.push(chunk);
          // A consumer that is behind (a full pipe) pauses the download: memory stays at one chunk.
          const written = onChunk(chunk);
          if (!(written instanceof Promise)) return;
          response.pause();
          void written.then(() => response.resume());
        });
        response.on('close', () => {
          if (!response.complete) reject(new Error('the server ended the answer before it was complete'));
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
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

export async function startRemoteJob(credentials: ClientCredentials, command: string, atMs?: number, timeoutMs?: number): Promise<string> {
  return (JSON.parse(await call(credentials, 'POST', '/jobs', { command, ...(atMs === undefined ? {} : { at: atMs }), ...(timeoutMs === undefined ? {} : { timeoutMs }) })) as { id: string }).id;
}

export async function remoteJobStatus(credentials: ClientCredentials, id?: string): Promise<JobStatus | JobStatus[]> {
  if (id === undefined) return (JSON.parse(await call(credentials, 'GET', '/jobs')) as { jobs: JobStatus[] }).jobs;
  return JSON.parse(await call(credentials, 'GET', `/jobs/${encodeURIComponent(id)}`)) as JobStatus;
}

export async function stopRemoteJob(credentials: ClientCredentials, id: string): Promise<JobStatus> {
  return JSON.parse(await call(credentials, 'POST', `/jobs/${encodeURIComponent(id)}/stop`)) as JobStatus;
}

/**
 * The job's output, as bytes; with `follow`, each chunk goes to `onChunk` as it is produced, until
 * the job ends. `view`: stdout or stderr alone, or both interleaved as produced (`merged`, the default).
 */
export async function remoteJobOutput(credentials: ClientCredentials, id: string, follow: boolean, onChunk: (bytes: Buffer) => void | Promise<void>, view: OutputView = 'merged'): Promise<void> {
  const query = new URLSearchParams({ ...(follow ? { follow: '1' } : {}), ...(view === 'merged' ? {} : { stream: view }) }).toString();
  await call(credentials, 'GET', `/jobs/${encodeURIComponent(id)}/output${query === '' ? '' : `?${query}`}`, undefined, onChunk);
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

/**
 * `--at` as typed: an ISO 8601 date and time with a zone (`Z` or `±HH:MM`), as ms since the Unix
 * epoch. A time without a zone is refused: it would silently mean the client's local time.
 */
export function parseStartTime(text: string): number {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
  const atMs = iso.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(atMs)) throw new InputError(`--at: expected an ISO 8601 date and time with a zone, like 2030-01-01T02:00:00Z or 2030-01-01T03:00:00+01:00, got '${text}'`);
  return atMs;
}
