import { Args } from '@oclif/core';
import { remoteJobStatus, withJobsServer } from '../../../real/job-runner/client.js';
import type { JobStatus } from '../../../systems/job-runner/job-runner.js';
import { SimrunCommand } from '../../base.js';
import { inputFileFlag, urlFlag } from '../../flags.js';

export default class JobsStatusCommand extends SimrunCommand {
  static override summary = 'Show one of your jobs, or all of them.';
  static override examples = ['<%= config.bin %> jobs status job-3 --cert certs/alice.crt --key certs/alice.key --ca certs/ca.crt'];
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: 'the job id (all your jobs when absent)' }) };
  static override flags = {
    server: urlFlag({ description: 'the jobs server, https://host:port', protocols: ['https:'], default: 'https://127.0.0.1:8443' }),
    cert: inputFileFlag({ description: 'your client certificate (PEM)', required: true }),
    key: inputFileFlag({ description: 'your client key (PEM)', required: true }),
    ca: inputFileFlag({ description: 'the CA that signed the server certificate (PEM)', required: true }),
  };

  async run(): Promise<{ jobs: JobStatus[] }> {
    const { args, flags } = await this.parse(JobsStatusCommand);
    const answer = await withJobsServer(flags, (credentials) => remoteJobStatus(credentials, args.id));
    const jobs = Array.isArray(answer) ? answer : [answer];
    for (const job of jobs) this.log(`${job.id}  ${job.state.padEnd(9)}  ${[job.exit, job.reason].filter((part) => part !== undefined).join(', ')}  ${job.command}`);
    return { jobs };
  }
}
