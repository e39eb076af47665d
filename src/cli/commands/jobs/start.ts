import { Args, Flags } from '@oclif/core';
import { parseStartTime, startRemoteJob, withJobsServer } from '../../../real/job-runner/client.js';
import { SimrunCommand } from '../../base.js';
import { inputFileFlag, urlFlag } from '../../flags.js';

export default class JobsStartCommand extends SimrunCommand {
  static override summary = 'Start a shell command as a job on a jobs server; prints its id.';
  static override examples = ['<%= config.bin %> jobs start "make test" --cert certs/alice.crt --key certs/alice.key --ca certs/ca.crt', '<%= config.bin %> jobs start "./nightly.sh" --at 2030-01-01T02:00:00Z --cert ... --key ... --ca ...'];
  static override enableJsonFlag = true;
  static override args = { command: Args.string({ description: 'the shell command', required: true }) };
  static override flags = {
    server: urlFlag({ description: 'the jobs server, https://host:port', protocols: ['https:'], default: 'https://127.0.0.1:8443' }),
    cert: inputFileFlag({ description: 'your client certificate (PEM)', required: true }),
    key: inputFileFlag({ description: 'your client key (PEM)', required: true }),
    ca: inputFileFlag({ description: 'the CA that signed the server certificate (PEM)', required: true }),
    at: Flags.string({ description: 'do not start before this time (ISO 8601, with a zone)' }),
    'timeout-ms': Flags.integer({ description: 'kill the job if it still executes this long after it started; it ends failed', min: 1, max: Number.MAX_SAFE_INTEGER }),
  };

  async run(): Promise<{ id: string }> {
    const { args, flags } = await this.parse(JobsStartCommand);
    const atMs = flags.at === undefined ? undefined : parseStartTime(flags.at);
    const id = await withJobsServer(flags, (credentials) => startRemoteJob(credentials, args.command, atMs, flags['timeout-ms']));
    this.log(id);
    return { id };
  }
}
