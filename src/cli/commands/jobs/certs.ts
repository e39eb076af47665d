import { Flags } from '@oclif/core';
import { writeDevelopmentCertificates } from '../../../real/job-runner/certs.js';
import { SimrunCommand } from '../../base.js';
import { outputDirectoryFlag } from '../../flags.js';

export default class JobsCertsCommand extends SimrunCommand {
  static override summary = 'Create a development CA, a localhost server certificate and one client certificate per user.';
  static override description = 'Each client certificate’s subject CN is the user name: the jobs server lets a user see and stop only the jobs started with that name. For development and tests.';
  static override examples = ['<%= config.bin %> jobs certs --out certs --users alice,bob'];
  static override enableJsonFlag = true;
  static override flags = {
    out: outputDirectoryFlag({ description: 'directory for the PEM files', required: true }),
    users: Flags.string({ description: 'comma-separated user names, one client certificate each', default: 'alice,bob' }),
  };

  async run(): Promise<{ files: string[] }> {
    const { flags } = await this.parse(JobsCertsCommand);
    const users = flags.users.split(',').map((user) => user.trim()).filter(Boolean);
    const files = await writeDevelopmentCertificates(flags.out, users);
    for (const file of files) this.log(file);
    return { files };
  }
}
