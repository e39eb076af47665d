import { Args } from '@oclif/core';
import { stopRemoteJob, withJobsServer } from '../../../real/job-runner/client.js';
import type { JobStatus } from '../../../systems/job-runner/job-runner.js';
import { SimrunCommand } from '../../base.js';
import { inputFileFlag, urlFlag } from '../../flags.js';

export default class JobsStopCommand extends SimrunCommand {
  static override summary = 'Stop one of your jobs: a queued one never runs, an executing one is killed with its process group.';
  static override examples = ['<%= config.bin %> jobs stop job-3 --cert certs/alice.crt --key certs/alice.key --ca certs/ca.crt'];
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: 'the job id', required: true }) };
  static override flags = {
    server: urlFlag({ description: 'the jobs server, https://host:port', protocols: ['https:'], default: 'https://127.0.0.1:8443' }),
    cert: inputFileFlag({ description: 'your client certificate (PEM)', required: true }),
    key: inputFileFlag({ description: 'your client key (PEM)', required: true }),
    ca: inputFileFlag({ description: 'the CA that signed the server certificate (PEM)', required: true }),
  };

  async run(): Promise<JobStatus> {
    const { args, flags } = await this.parse(JobsStopCommand);
    const job = await withJobsServer(flags, (credentials) => stopRemoteJob(credentials, args.id));
    this.log(`${job.id}  ${job.state === 'executing' ? 'stopping' : job.state}`);
    return job;
  }
}
