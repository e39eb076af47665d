import { Flags } from '@oclif/core';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { realEnv } from '../../../env/real-env.js';
import { createJobsServer } from '../../../real/jobs-server.js';
import { createShellExecutor } from '../../../real/shell-executor.js';
import { InputError } from '../../../env/errors.js';
import { JobRunner } from '../../../systems/job-runner/job-runner.js';
import { SimrunCommand } from '../../base.js';

export default class JobsServeCommand extends SimrunCommand {
  static override summary = 'Serve the job runner over HTTPS with mutual TLS: start, stop, status and output of shell jobs.';
  static override description = 'Only clients with a certificate signed by --ca get in; each sees and stops only its own jobs (by the certificate’s subject CN). Runs until interrupted.';
  static override examples = ['<%= config.bin %> jobs serve --cert certs/server.crt --key certs/server.key --ca certs/ca.crt --port 8443'];
  static override flags = {
    cert: Flags.string({ description: 'the server certificate (PEM)', required: true }),
    key: Flags.string({ description: 'the server key (PEM)', required: true }),
    ca: Flags.string({ description: 'the CA whose client certificates are accepted (PEM)', required: true }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    port: Flags.integer({ description: 'port to listen on (0: any free port)', default: 8443, min: 0, max: 65535 }),
    concurrency: Flags.integer({ description: 'jobs executing at once, at most', default: 4, min: 1 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(JobsServeCommand);
    const read = async (path: string): Promise<string> =>
      readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new InputError(`cannot read ${path}: ${error.code ?? error.message}`);
      });
    const runner = new JobRunner({ env: realEnv('jobs-server'), executor: createShellExecutor(), concurrencyLimit: flags.concurrency });
    const server = createJobsServer({ runner, certPem: await read(flags.cert), keyPem: await read(flags.key), caPem: await read(flags.ca) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new InputError(`cannot listen on ${flags.host}:${flags.port}: ${error.code ?? error.message}`)));
      server.listen(flags.port, flags.host, resolve);
    });
    const address = server.address() as AddressInfo;
    this.log(`serving jobs on https://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => resolve()));
    });
  }
}
