import { Flags } from '@oclif/core';
import { DEFAULT_KEEP_ENDED_MS, JOBS_SERVE_MUTANTS, serveJobs, type JobsServeMutant } from '../../../real/job-runner/serve.js';
import { SimrunCommand } from '../../base.js';
import { countFlag, durationMsFlag, inputFileFlag, keepSpanFlag, nameFlag, outputDirectoryFlag } from '../../flags.js';

export default class JobsServeCommand extends SimrunCommand {
  static override summary = 'Serve the job runner over HTTPS with mutual TLS: start, stop, status and output of shell jobs.';
  static override description =
    'Only clients with a certificate signed by --ca get in; each sees and stops only its own jobs (by the certificate’s subject CN). Runs until SIGINT or SIGTERM: then it stops every executing job (its whole process group: SIGTERM, then SIGKILL), leaves queued jobs queued for the next server, and exits 0 within --stop-timeout-ms; a second signal sends SIGKILL at once. One server per --state-dir: it holds a lease there, records the process group of each executing job, and kills at start the groups a server that died left behind. Jobs and their output persist there (SQLite jobs.db, spill files) until --keep-ended after they end: a restarted server records a job that was executing as failed ("runner restarted") and runs the queued and scheduled ones. --admin CN lets that certificate see and stop every user’s jobs.';
  static override examples = ['<%= config.bin %> jobs serve --cert certs/server.crt --key certs/server.key --ca certs/ca.crt --port 8443 --state-dir /var/lib/simrun-jobs'];
  static override flags = {
    cert: inputFileFlag({ description: 'the server certificate (PEM)', required: true }),
    key: inputFileFlag({ description: 'the server key (PEM), matching --cert', required: true }),
    ca: inputFileFlag({ description: 'the CA whose client certificates are accepted (PEM)', required: true }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    port: Flags.integer({ description: 'port to listen on (0: any free port)', default: 8443, min: 0, max: 65535 }),
    concurrency: countFlag({ description: 'jobs executing at once, at most', default: 4, max: 10_000 }),
    'state-dir': outputDirectoryFlag({ description: 'the server’s lease, records of running job process groups, the job database and spilled output', default: '.simrun-jobs' }),
    'stop-timeout-ms': durationMsFlag({ description: 'from SIGTERM/SIGINT to exit, at most, ms', default: 10_000 }),
    'output-memory-bytes': Flags.integer({ description: 'output bytes per job kept in memory; the rest is spilled to the state directory', default: 1_048_576, min: 0, max: 1_073_741_824 }),
    'max-output-bytes': Flags.integer({ description: 'output bytes per job in all; a job printing more is killed and ends failed', default: 1_073_741_824, min: 1, max: Number.MAX_SAFE_INTEGER }),
    'tls-min': Flags.option({ description: 'the lowest TLS version accepted', options: ['1.3', '1.2'] as const, default: '1.3' as const })(),
    // For `simrun real job-runner --mutant`: a deliberately broken server the real checkers must catch.
    mutant: Flags.option({ description: 'run a deliberately broken server', options: Object.keys(JOBS_SERVE_MUTANTS) as JobsServeMutant[], hidden: true })(),
    'retention-ms': Flags.integer({ description: 'a finished job leaves memory this long after it ended; its status and output stay queryable from the state directory', default: 3_600_000, min: 0, max: Number.MAX_SAFE_INTEGER }),
    'keep-ended': keepSpanFlag({ description: 'an ended job’s record (status and output, spill files included) is deleted this long after it ended, with a unit: 90s, 12h, 7d', default: DEFAULT_KEEP_ENDED_MS, defaultHelp: async () => '7d' }),
    admin: nameFlag({ description: 'a client certificate CN that may see and stop every user’s jobs (repeatable)', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(JobsServeCommand);
    await serveJobs({
      cert: flags.cert,
      key: flags.key,
      ca: flags.ca,
      host: flags.host,
      port: flags.port,
      concurrency: flags.concurrency,
      stateDir: flags['state-dir'],
      stopTimeoutMs: flags['stop-timeout-ms'],
      outputMemoryBytes: flags['output-memory-bytes'],
      maxOutputBytes: flags['max-output-bytes'],
      tlsMin: flags['tls-min'] === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
      retentionMs: flags['retention-ms'],
      admins: flags.admin ?? [],
      keepEndedMs: flags['keep-ended'],
      onListening: (url) => this.log(`serving jobs on ${url}`),
    });
  }
}
