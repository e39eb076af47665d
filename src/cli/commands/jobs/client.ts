import { statSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { InputError } from '../../../env/errors.js';
import { runClientJobs, runOneClientJob, type ClientJobsOptions, type ClientJobsResult } from '../../../real/client-jobs/run-client.js';
import type { ClientJobOutcome } from '../../../systems/client-jobs/index.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';
import { countFlag, durationMsFlag, lockSpecFlag, nameFlag, outputFileFlag } from '../../flags.js';
import { clientJobsMutants } from '../../../systems/client-jobs/index.js';

export default class JobsClientCommand extends SimrunCommand {
  static override summary = "Run one client's jobs for real: concurrent OS processes, one at a time per client through a lock.";
  static override description =
    "Starts --jobs worker processes at once, like the original program's threads. Each joins the client's waiting line in the lock store and, when its turn comes, takes the client's lock (first queued, first run; backoff, no spinning), appends the text part by part to --out, and crashes part-way with probability --crash-rate; a crash leaves no partial text and never blocks later jobs. Each run starts from an empty --out unless --append is given. Afterwards every job's outcome is printed and the output is checked as the simulation checks it: well-formed, with exactly one whole text per job that succeeded (exit 1 otherwise). The job processes end with the run, even when it is killed outright (SIGKILL): each reads the end of its standard input, a pipe from the run, as the sign to stop. A run started on an --out whose previous run was killed ends whatever of it still runs and sweeps what it left (a half-written text, temporary files) first; one started while another run is using that --out is refused.";
  static override examples = [
    '<%= config.bin %> jobs client --client acme --jobs 5 --crash-rate 0.3 --out output.txt',
    '<%= config.bin %> jobs client --client acme --jobs 5 --out output.txt --lock file:locks --crash-mode exit',
    '<%= config.bin %> jobs client --client acme --jobs 2 --out output.txt --append',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    client: nameFlag({ description: 'the client whose jobs run', required: true }),
    jobs: countFlag({ description: 'how many jobs to start at once', default: 5, max: 1_000 }),
    'crash-rate': Flags.string({ description: 'probability in [0, 1] that a job crashes part-way', default: '0.3' }),
    out: outputFileFlag({ description: "the client's output file (its directory must exist)", required: true }),
    lock: lockSpecFlag({ description: 'the lock store shared by the job processes (locks and waiting lines): sqlite:PATH, file:DIR or postgres://... (default sqlite:<out>.locks.db)' }),
    append: Flags.boolean({ description: 'keep what --out already holds and add to it (default: start from an empty file)', default: false }),
    'crash-mode': Flags.option({ description: 'throw: a crashed job cleans up and reports; exit: its whole process dies mid-text', options: ['throw', 'exit'] as const, default: 'throw' as const })(),
    'part-work-ms': durationMsFlag({ description: 'work between two parts of the text, ms', default: 40, min: 0 }),
    'ttl-ms': durationMsFlag({ description: "lease of the client's lock, ms: a dead job blocks the client at most this long", default: 3000 }),
    job: countFlag({ description: 'run only job N in this process (what the started worker processes do)', hidden: true, max: 1_000 }),
    events: Flags.boolean({ description: "with --job: also write the job's typed events to standard error as JSON lines (simrun real client-jobs reads them)", default: false, hidden: true }),
    mutant: Flags.string({ description: 'with --job: run a deliberately broken job design (for simrun real client-jobs --mutant)', options: Object.keys(clientJobsMutants), hidden: true }),
  };

  async run(): Promise<ClientJobsResult | ClientJobOutcome> {
    const { flags } = await this.parse(JobsClientCommand);
    // A directory as the output file would make every job fail to write while the run still "ends".
    if (statSync(flags.out, { throwIfNoEntry: false })?.isDirectory() === true) throw new InputError(`--out: ${flags.out} is a directory; name the client's output file`);
    const options: ClientJobsOptions = {
      client: flags.client,
      jobs: flags.jobs,
      crashRate: flags['crash-rate'],
      out: flags.out,
      ...(flags.lock === undefined ? {} : { lock: flags.lock }),
      append: flags.append,
      crashMode: flags['crash-mode'],
      partWorkMs: flags['part-work-ms'],
      ttlMs: flags['ttl-ms'],
      events: flags.events,
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    };
    if (flags.job !== undefined) {
      // Inside a started job process: its outcome is one JSON line on stdout, for the supervisor.
      const outcome = await runOneClientJob(options, flags.job);
      this.log(JSON.stringify(outcome));
      return outcome;
    }
    const result = await runClientJobs(options);
    const swept = result.sweptBefore;
    if (swept !== undefined) {
      const left = [`${plural(swept.childrenEnded, 'job process', 'job processes')} still running ended`, ...(swept.recoveredChars > 0 ? [`${plural(swept.recoveredChars, 'character')} of partial text removed`] : []), ...(swept.tempFiles > 0 ? [`${plural(swept.tempFiles, 'temporary file')} removed`] : [])];
      this.log(`swept first: the run before (supervisor pid ${swept.supervisorPid}) died; ${left.join(', ')}`);
    }
    for (const outcome of result.jobs) this.log(`job ${outcome.job}${outcome.ticket === undefined ? '' : ` (ticket ${outcome.ticket})`}: ${outcome.status === 'succeeded' ? 'succeeded' : `failed (${outcome.reason})`}`);
    if (result.recoveredChars > 0) this.log(`recovered: removed ${plural(result.recoveredChars, 'character')} of partial text left by a job process that died`);
    const before = result.textsBefore > 0 ? ` (${result.textsBefore} from before)` : '';
    this.log(`${flags.client}: ${result.succeeded} of ${plural(flags.jobs, 'job')} succeeded; ${flags.out} holds ${plural(result.wholeTexts, 'whole text')}${before}${result.problem === undefined ? '' : `: ${result.problem}`}`);
    if (!result.ok) process.exitCode = EXIT.violated;
    return result;
  }
}
