import { Args, Flags } from '@oclif/core';
import cliProgress from 'cli-progress';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { emitRegressionTest, REGRESSIONS_DIR } from '../../scenario/emit-test.js';
import { parseShard, runCampaign, type CampaignFailure, type CampaignResult } from '../../scenario/fuzz.js';
import { SIM_LOCK_BACKENDS } from '../../locks/lock-spec.js';
import { InputError } from '../../env/errors.js';
import { prepareRun, resolveParams, runScenario } from '../../scenario/run.js';
import type { Scenario } from '../../scenario/scenario.js';
import { writeRunResult } from '../../report/result-file.js';
import { defaultReportPath, writeReport, writeRunReport } from '../../report/report-file.js';
import { loadScenario } from '../../scenario/registry.js';
import { formatSwarm } from '../../sim/fault-kinds/swarm.js';
import { describeBugs, describeFailure, writeBugPlans, writeCampaign, writeShrunkPlan } from '../campaign-output.js';
import { EXIT, SimrunCommand } from '../base.js';
import { parseAssignments, plural } from '../format.js';
import { parseWorldFlags, worldFlags } from '../run-flags.js';
import { MOST_WORKER_THREADS, countFlag, outputDirectoryFlag, seedFlag } from '../flags.js';

export default class FuzzCommand extends SimrunCommand {
  static override summary = 'Run many seeds of a scenario in parallel; shrink each failure to a minimal reproducer.';
  static override description =
    'Seeds run on worker threads with a progress bar. On a failure the campaign stops (unless --keep-going), shrinks the fault plan and parameters with fast-check, and prints the seed, the shrunk plan file and one replay command. Exit 1 if anything failed.';
  static override examples = [
    '<%= config.bin %> fuzz bucket --runs 1000',
    '<%= config.bin %> fuzz bucket --duration 60s --swarm',
    '<%= config.bin %> fuzz bucket --runs 500 --shard 2/4',
    '<%= config.bin %> fuzz bucket --runs 200 --lock all',
    '<%= config.bin %> fuzz bucket --mutant no-fencing --emit-test',
  ];
  static override enableJsonFlag = true;
  static override args = {
    scenario: Args.string({ description: 'a built-in scenario name or the path of a scenario file', required: true }),
  };
  static override flags = {
    runs: countFlag({ description: 'how many seeds (per shard); 100 unless --duration is given' }),
    duration: Flags.string({ description: 'run seeds until this much time has passed: 90s, 5m, 1h' }),
    from: seedFlag({ description: 'the first seed of the seed space', default: 1 }),
    workers: countFlag({ description: 'worker threads (default: the number of cores)', max: MOST_WORKER_THREADS }),
    shard: Flags.string({ description: 'run shard i of n of the seed space: i/n' }),
    swarm: Flags.boolean({ description: "each seed first draws the scenario's parameters from their declared ranges, the start and time zone, and which fault kinds are on at what rates", default: false }),
    ...worldFlags,
    lock: Flags.string({ description: 'the lock backend as a lock spec (memory, file[:DIR], sqlite[:PATH]), the path of your own lock module (./my-lock.ts), or `all` to run every seed against every simulated backend' }),
    mutant: Flags.string({ description: 'swap in a deliberately broken implementation (see `simrun mutants`)' }),
    set: Flags.string({ description: 'override a scenario parameter: key=value (repeatable)', multiple: true }),
    'keep-going': Flags.boolean({ description: 'keep running after a failure', default: false }),
    shrink: Flags.boolean({ description: 'shrink failures (--no-shrink to skip)', default: true, allowNo: true }),
    'emit-test': Flags.boolean({ description: `write a vitest test replaying each shrunk failure under ${REGRESSIONS_DIR}/`, default: false }),
    'out-dir': outputDirectoryFlag({ description: 'where results and shrunk plans are written', default: join('reports', 'fuzz') }),
    report: Flags.boolean({ description: 'write an HTML campaign report, and a run report for each failure', default: false }),
  };

  async run(): Promise<CampaignResult & { resultPath: string }> {
    const { args, flags } = await this.parse(FuzzCommand);
    if (flags.runs !== undefined && flags.duration !== undefined) throw new InputError('give --runs or --duration, not both');
    const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration);
    const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
    const scenario = await loadScenario(args.scenario);
    const params = parseAssignments(flags.set ?? []);
    const world = parseWorldFlags(flags);
    const locks = flags.lock === undefined ? undefined : flags.lock === 'all' ? lockNamesOf(scenario) : [flags.lock];
    const workers = flags.workers ?? availableParallelism();
    const runs = flags.runs ?? (durationMs === undefined ? 100 : undefined);
    // A bad mutant, parameter or lock is refused before the campaign's header line, as `scenario` does.
    for (const lock of locks ?? [undefined]) {
      await prepareRun(scenario, { seed: flags.from, params: lock === undefined ? params : { ...params, lock }, swarm: flags.swarm, ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }), ...world });
    }

    this.log(`simrun fuzz ${scenario.name}: ${runs === undefined ? `for ${flags.duration}` : plural(runs, 'seed')} from ${flags.from}` +
      `${shard ? `, shard ${shard.index}/${shard.count}` : ''}${flags.swarm ? ', swarm' : ''}${world.tieOrder === undefined ? '' : `, tie order ${world.tieOrder}`}${locks ? `, locks ${locks.join(' ')}` : ''}` +
      `${flags.mutant ? `, mutant ${flags.mutant}` : ''}, ${plural(workers, 'worker')}`);
    const bar = new cliProgress.SingleBar(
      { format: ' {bar} {value}{totalText} runs | {rate} runs/s | failures: {failures}', stream: process.stderr, hideCursor: true, noTTYOutput: false },
      cliProgress.Presets.shades_classic,
    );
    const showBar = !this.jsonEnabled() && process.stderr.isTTY === true;
    if (showBar) bar.start(runs === undefined ? 0 : runs * (locks?.length ?? 1), 0, { rate: '0', failures: 0, totalText: '' });
    const result = await runCampaign({
      scenarioReference: args.scenario,
      scenario: args.scenario,
      ...(runs === undefined ? {} : { runs }),
      ...(durationMs === undefined ? {} : { durationMs }),
      from: flags.from,
      ...(shard === undefined ? {} : { shard }),
      workers,
      swarm: flags.swarm,
      ...(locks === undefined ? {} : { locks }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
      params,
      ...world,
      keepGoing: flags['keep-going'],
      shrink: flags.shrink,
      onProgress: (progress) => {
        if (flags.swarm && progress.last?.swarm !== undefined && !this.jsonEnabled()) {
          const drawn = Object.entries(progress.last.swarmParams ?? {}).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
          const line =
            `seed ${progress.last.seed}${progress.last.lock ? ` [${progress.last.lock}]` : ''}  ${progress.last.status}  ${formatSwarm(progress.last.swarm)}` +
            `${drawn.length === 0 ? '' : '  ' + drawn.join(' ')}  start ${new Date(progress.last.startMs).toISOString()} ${progress.last.timeZone}`;
          if (showBar) process.stderr.write('\r\x1b[2K');
          this.log(line);
        }
        if (showBar) {
          if (progress.total === undefined) bar.setTotal(progress.runs);
          bar.update(progress.runs, { rate: progress.runsPerSec.toFixed(1), failures: progress.failures, totalText: progress.total === undefined ? '' : `/${progress.total}` });
        }
      },
    });
    if (showBar) bar.stop();

    this.log(`${result.status === 'passed' ? 'PASSED' : 'FAILED'}: ${plural(result.runs, 'run')}, ${result.failures.length} failing, ${result.runsPerSec.toFixed(1)} runs/s (${(result.wallMs / 1000).toFixed(1)} s)`);
    for (const disagreement of result.lockDisagreements ?? []) {
      this.log(`  backends disagree on seed ${disagreement.seed}: ${Object.entries(disagreement.verdicts).map(([lock, verdict]) => `${lock}=${verdict}`).join('  ')}`);
    }
    const failures: CampaignFailure[] = [];
    for (const failure of result.failures) {
      for (const line of describeFailure(failure)) this.log(line);
      const shrunk = await writeShrunkPlan(result, failure, flags['out-dir']);
      if (shrunk !== undefined) {
        this.log(`  shrunk plan: ${shrunk.path}`);
        this.log(`  replay: ${shrunk.replay}`);
        if (flags['emit-test'] && failure.shrunk !== undefined) {
          const path = await emitRegressionTest(
            { scenario: result.scenario, scenarioReference: args.scenario, seed: failure.seed, params: failure.shrunk.params, plan: failure.shrunk.plan, invariant: failure.invariant, ...(result.mutant === undefined ? {} : { mutant: result.mutant }) },
            REGRESSIONS_DIR,
          );
          this.log(`  regression test: ${path}`);
        }
      }
      let reportPath: string | undefined;
      if (flags.report) {
        // The failure's run, replayed in full (trace included) for its own report: the shrunk one when there is one.
        const replayed = await runScenario(scenario, {
          seed: failure.seed,
          scenarioReference: args.scenario,
          params: failure.shrunk?.params ?? failure.original.params,
          plan: failure.shrunk?.plan ?? failure.original.plan,
          ...(shrunk === undefined ? {} : { planPath: shrunk.path }),
          ...(result.mutant === undefined ? {} : { mutant: result.mutant }),
          ...(failure.world === undefined ? {} : { start: failure.world.startMs, timeZone: failure.world.timeZone }),
          ...(world.tieOrder === undefined ? {} : { tieOrder: world.tieOrder }),
        });
        await writeRunResult(replayed, flags['out-dir']);
        reportPath = await writeRunReport(replayed, flags['out-dir']);
        this.log(`  report: ${reportPath}`);
      }
      failures.push({
        ...failure,
        ...(shrunk === undefined ? {} : { shrunkReplay: shrunk.replay }),
        ...(reportPath === undefined ? {} : { reportPath: basename(reportPath) }),
      });
    }
    const bugs = result.bugs === undefined ? undefined : await writeBugPlans(result, flags['out-dir']);
    if (bugs !== undefined) for (const line of describeBugs(bugs)) this.log(line);
    const campaign: CampaignResult = { ...result, failures, ...(bugs === undefined ? {} : { bugs }) };
    const resultPath = await writeCampaign(campaign, flags['out-dir']);
    this.log(`result: ${resultPath}`);
    if (flags.report) this.log(`report: ${await writeReport({ kind: 'campaign', result: campaign }, defaultReportPath(resultPath))}`);
    process.exitCode = result.status === 'passed' ? EXIT.passed : EXIT.violated;
    return { ...campaign, resultPath };
  }
}

/** `90s`, `5m`, `1h`, `1500ms` → ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new InputError(`--duration expects a number with a unit (ms, s, m, h), like 60s; got '${text}'`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

/** `--lock all`: every simulated backend, for a scenario with a `lock` parameter. */
function lockNamesOf(scenario: Scenario<object>): string[] {
  if (!('lock' in resolveParams(scenario))) throw new InputError('--lock all needs a scenario with a `lock` parameter');
  return [...SIM_LOCK_BACKENDS];
}
