import { Flags } from '@oclif/core';
import { serveJobs } from '../../../real/job-runner/serve.js';
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
    await serveJobs({ ...flags, onListening: (url) => this.log(`serving jobs on ${url}`) });
  }
}
