import { Args, Flags } from '@oclif/core';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../env/errors.js';
import { runCampaign, type CampaignResult } from '../../scenario/fuzz.js';
import { CONTRACT_RULES, checkContractRules, type RuleVerdict } from '../../scenario/lock-contract.js';
import { shellQuote } from '../../scenario/run.js';
import { LOCK_PART } from '../../scenario/sim-locks.js';
import { preparePart } from '../../scenario/parts.js';
import { declarationOf } from '../../locks/lock-spec.js';
import { runRealContract, type RealContractVerdict } from '../../real/lock-contract/judge.js';
import { describeFailure, writeCampaign, writeShrunkPlan } from '../campaign-output.js';
import { EXIT, SimrunCommand } from '../base.js';
import { parseAssignments, plural } from '../format.js';
import { LONGEST_DURATION_MS, MOST_WORKER_THREADS, countFlag, outputDirectoryFlag, seedFlag } from '../flags.js';

interface LockContractResult {
  readonly backend: string;
  readonly expiryClock: string;
  readonly failureModel: string;
  readonly status: 'passed' | 'failed';
  readonly rules: readonly RuleVerdict[];
  readonly faults?: CampaignResult & { readonly resultPath: string };
  readonly real?: RealContractVerdict;
}

export default class LockContractCommand extends SimrunCommand {
  static override summary = "Judge your own lock backend: the lease contract's rules one call at a time, then the lock scenario under faults.";
  static override description =
    "MODULE's default export is a lock factory (see defineLockBackend): called once per simulated process with its env, fs, the store's clock and a map the run's processes share. " +
    'First each rule of the lease contract runs alone (a free key is granted, a live lease is exclusive, only the holder renews or releases, an expired lease is taken over with a higher token and never renewed, a late release is harmless). ' +
    "Then the lock scenario runs that backend over a seed range under crashes, pauses, clock skew and the faults of the backend's declared failure model (lock-call faults for a remote store, filesystem faults for an in-process library), judged by the lease-exclusion, lease-contract, fencing and progress checkers. " +
    'Each broken rule or failing seed is printed with the command that replays it. Exit 1 if anything broke.';
  static override examples = [
    '<%= config.bin %> lock-contract ./my-lock.ts',
    '<%= config.bin %> lock-contract ./my-lock.ts --runs 500 --from 1000',
    '<%= config.bin %> lock-contract ./my-lock.ts --rule owner-only-release',
    '<%= config.bin %> lock-contract ./my-lock.js --set processes=5 --set ttlMs=500',
    '<%= config.bin %> lock-contract ./my-file-lock.ts --real 4',
  ];
  static override enableJsonFlag = true;
  static override args = {
    module: Args.string({ description: 'the lock backend module (.ts or .js) whose default export is a lock factory', required: true }),
  };
  static override flags = {
    runs: countFlag({ description: 'seeds of the lock scenario to run under faults (0: the rules only)', default: 100, min: 0 }),
    from: seedFlag({ description: 'the first seed', default: 1 }),
    workers: countFlag({ description: 'worker threads (default: the number of cores)', max: MOST_WORKER_THREADS }),
    rule: Flags.string({ description: 'run this rule only, and no seeds', options: CONTRACT_RULES.map((rule) => rule.name) }),
    set: Flags.string({ description: 'override a lock scenario parameter: key=value (repeatable)', multiple: true }),
    'keep-going': Flags.boolean({ description: 'keep running seeds after a failure', default: false }),
    shrink: Flags.boolean({ description: 'shrink failing seeds (--no-shrink to skip)', default: true, allowNo: true }),
    real: countFlag({ description: 'also contend from this many OS processes, with the real clock and filesystem (mode real), and judge their sections', min: 2, max: 64 }),
    'real-ms': Flags.integer({ description: 'how long the real-mode contenders run, ms', default: 3_000, min: 100, max: LONGEST_DURATION_MS }),
    'out-dir': outputDirectoryFlag({ description: 'where results and shrunk plans are written', default: join('reports', 'lock-contract') }),
  };

  async run(): Promise<LockContractResult> {
    const { args, flags } = await this.parse(LockContractCommand);
    const factory = await preparePart(args.module, LOCK_PART);
    const declaration = declarationOf(factory);
    const rules = flags.rule === undefined ? CONTRACT_RULES : CONTRACT_RULES.filter((rule) => rule.name === flags.rule);
    if (rules.length === 0) throw new InputError(`no rule '${flags.rule}' (known: ${CONTRACT_RULES.map((rule) => rule.name).join(', ')})`);
    this.log(`simrun lock-contract ${args.module}: expiry judged by the ${declaration.expiryClock}'s clock, failure model ${declaration.failureModel}`);

    const verdicts = await checkContractRules(factory, rules);
    const broken = verdicts.filter((verdict) => verdict.problem !== undefined);
    this.log(`rules: ${verdicts.length - broken.length}/${verdicts.length} held`);
    for (const verdict of verdicts) {
      if (verdict.problem === undefined) {
        this.log(`  ✓ ${verdict.rule}`);
        continue;
      }
      this.log(`  ✗ ${verdict.rule}: ${verdict.problem}`);
      this.log(`    rule: ${verdict.statement}`);
      this.log(`    replay: simrun lock-contract ${shellQuote(args.module)} --rule ${verdict.rule}`);
    }

    let faults: LockContractResult['faults'];
    if (flags.rule === undefined && flags.runs > 0) {
      const workers = flags.workers ?? availableParallelism();
      this.log(`under faults: the lock scenario, ${plural(flags.runs, 'seed')} from ${flags.from}, ${plural(workers, 'worker')}`);
      const result = await runCampaign({
        scenario: 'lock',
        runs: flags.runs,
        from: flags.from,
        workers,
        params: { ...parseAssignments(flags.set ?? []), lock: args.module },
        keepGoing: flags['keep-going'],
        shrink: flags.shrink,
      });
      this.log(`  ${result.status === 'passed' ? 'PASSED' : 'FAILED'}: ${plural(result.runs, 'run')}, ${result.failures.length} failing (${(result.wallMs / 1000).toFixed(1)} s)`);
      const failures = [];
      for (const failure of result.failures) {
        for (const line of describeFailure(failure)) this.log(`  ${line}`);
        const shrunk = await writeShrunkPlan(result, failure, flags['out-dir']);
        if (shrunk !== undefined) this.log(`    replay: ${shrunk.replay}`);
        failures.push({ ...failure, ...(shrunk === undefined ? {} : { shrunkReplay: shrunk.replay }) });
      }
      const campaign: CampaignResult = { ...result, failures };
      faults = { ...campaign, resultPath: await writeCampaign(campaign, flags['out-dir']) };
      this.log(`  result: ${faults.resultPath}`);
    }

    let real: RealContractVerdict | undefined;
    if (flags.real !== undefined && flags.rule === undefined) {
      this.log(`real mode: ${plural(flags.real, 'OS process', 'OS processes')} contending for ${flags['real-ms']} ms`);
      real = await runRealContract({ module: args.module, processes: flags.real, durationMs: flags['real-ms'] });
      this.log(`  ${real.problems.length === 0 ? 'PASSED' : 'FAILED'}: ${plural(real.sections, 'critical section')} by ${plural(real.owners, 'process', 'processes')}`);
      for (const problem of real.problems) this.log(`  ✗ ${problem.rule}: ${problem.message}`);
      if (real.problems.length > 0) this.log(`    replay: simrun lock-contract ${shellQuote(args.module)} --runs 0 --real ${flags.real} (real time: not exactly reproducible)`);
    }

    const failed = broken.length > 0 || faults?.status === 'failed' || (real?.problems.length ?? 0) > 0;
    const brokenNames = [...broken.map((verdict) => verdict.rule), ...new Set(faults?.failures.map((failure) => failure.invariant) ?? []), ...new Set(real?.problems.map((problem) => problem.rule) ?? [])];
    this.log(failed ? `BROKEN: ${brokenNames.join(', ')}` : 'KEPT: every rule held and no seed failed');
    process.exitCode = failed ? EXIT.violated : EXIT.passed;
    return { backend: args.module, ...declaration, status: failed ? 'failed' : 'passed', rules: verdicts, ...(faults === undefined ? {} : { faults }), ...(real === undefined ? {} : { real }) };
  }
}
