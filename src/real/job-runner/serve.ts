/**
 * `simrun jobs serve`: the shipped `JobRunner` with the shell executor, behind the mutual-TLS API
 * of `server.ts`, until SIGINT or SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import { InputError } from '../../env/errors.js';
import { realEnv } from '../../env/real-env.js';
import { JobRunner } from '../../systems/job-runner/job-runner.js';
import { readInputFile } from '../common/files.js';
import { aborted, untilInterrupted } from '../common/signals.js';
import { createJobsServer } from './server.js';
import { createShellExecutor } from './shell-executor.js';

export interface ServeJobsOptions {
  /** PEM files: the server's certificate and key, and the CA whose client certificates are accepted. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Jobs executing at once, at most. */
  readonly concurrency: number;
  /** Called once the server listens, with its URL. */
  readonly onListening: (url: string) => void;
}

export async function serveJobs(options: ServeJobsOptions): Promise<void> {
  const [certPem, keyPem, caPem] = [await readInputFile(options.cert, 'the server certificate'), await readInputFile(options.key, 'the server key'), await readInputFile(options.ca, 'the CA certificate')];
  const runner = new JobRunner({ env: realEnv('jobs-server'), executor: createShellExecutor(), concurrencyLimit: options.concurrency });
  const server = createJobsServer({ runner, certPem, keyPem, caPem });
  await untilInterrupted(async (stop) => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new InputError(`cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`)));
      server.listen(options.port, options.host, resolve);
    });
    const address = server.address() as AddressInfo;
    options.onListening(`https://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`);
    await aborted(stop);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}
