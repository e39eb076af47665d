import { once } from 'node:events';
import { Args, Flags } from '@oclif/core';
import { remoteJobOutput, withJobsServer } from '../../../real/job-runner/client.js';
import { SimrunCommand } from '../../base.js';
import { inputFileFlag, urlFlag } from '../../flags.js';

export default class JobsLogsCommand extends SimrunCommand {
  static override summary = 'Print the output of one of your jobs (stdout and stderr as printed, or --stream one of them); --follow streams it live until the job ends.';
  static override examples = ['<%= config.bin %> jobs logs job-3 --follow --cert certs/alice.crt --key certs/alice.key --ca certs/ca.crt'];
  static override args = { id: Args.string({ description: 'the job id', required: true }) };
  static override flags = {
    server: urlFlag({ description: 'the jobs server, https://host:port', protocols: ['https:'], default: 'https://127.0.0.1:8443' }),
    cert: inputFileFlag({ description: 'your client certificate (PEM)', required: true }),
    key: inputFileFlag({ description: 'your client key (PEM)', required: true }),
    ca: inputFileFlag({ description: 'the CA that signed the server certificate (PEM)', required: true }),
    follow: Flags.boolean({ char: 'f', description: 'keep streaming until the job ends', default: false }),
    stream: Flags.option({ description: 'stdout or stderr alone, or both interleaved as the job printed them', options: ['merged', 'stdout', 'stderr'] as const, default: 'merged' as const })(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(JobsLogsCommand);
    await withJobsServer(flags, (credentials) => remoteJobOutput(credentials, args.id, flags.follow, (bytes) => (process.stdout.write(bytes) ? undefined : once(process.stdout, 'drain').then(() => undefined)), flags.stream));
  }
}
