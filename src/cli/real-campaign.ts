/**
 * What every `simrun real SYSTEM` command shares: its flags, reading `--plan`, the lines it prints
 * per run and at the end, the HTML report of the run that matters (the failing one, or the last),
 * and the exit code (0 every run passed, 1 an invariant was violated).
 */
import { Flags } from '@oclif/core';
import { join } from 'node:path';
import { InputError } from '../env/errors.js';
import { PlanError } from '../sim/faults.js';
import { readInputFile } from '../real/common/files.js';
import { runRealCampaign, type RealCampaignResult, type RealRunSummary, type RealSystem } from '../real/campaign/campaign.js';
import { describeRealFault, parseRealPlan, type RealPlan } from '../real/campaign/plan.js';
import { writeRunReport } from '../report/report-file.js';
import { EXIT } from './base.js';
import { plural } from './format.js';
import { countFlag, inputFileFlag, outputDirectoryFlag, seedFlag, spanFlag } from './flags.js';

export const realCampaignFlags = {
  runs: countFlag({ description: 'how many runs (each from its own seed: seed, seed+1, ...)' }),
  duration: spanFlag({ description: 'start runs until this much time has passed: 30s, 5m (instead of --runs; at most about 24.8 days)' }),
  seed: seedFlag({ description: 'the seed of the first run; it draws that run\'s nemesis plan', default: 1 }),
  plan: inputFileFlag({ description: 'replay this nemesis plan (a JSON list of { at, kind, target[, ms] }, real ms) in every run' }),
  'out-dir': outputDirectoryFlag({ description: 'where results, run directories and reports are written', default: join('reports', 'real') }),
  report: Flags.boolean({ description: 'also write the HTML report of the failing run (or of the last run)', default: false }),
  keep: Flags.boolean({ description: "keep every run's directory and logs (a failing run's are always kept)", default: false }),
};

export interface RealCommandFlags {
  readonly runs?: number | undefined;
  /** `--duration` in ms. */
  readonly duration?: number | undefined;
  readonly seed: number;
  readonly plan?: string | undefined;
  readonly 'out-dir': string;
  readonly report: boolean;
  readonly keep: boolean;
}

/** A span as `--duration` takes it back: `90s`, `250ms`. */
function describeSpan(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A `--plan` file, validated against the system's targets; every error one line. */
export async function readRealPlan(path: string, targets: readonly string[]): Promise<RealPlan> {
  const text = await readInputFile(path, 'the plan file');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PlanError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseRealPlan(json, targets);
  } catch (error) {
    throw new PlanError(`${path}: ${(error as Error).message}`);
  }
}

export interface RealCommandIo {
  log(line: string): void;
  readonly json: boolean;
}

/** Runs the campaign of `system` as the flags say, printing as it goes; sets the exit code. */
export async function runRealCommand(system: RealSystem, flags: RealCommandFlags, io: RealCommandIo, describeCounts: (counts: Readonly<Record<string, number>>) => string): Promise<RealCampaignResult & { resultPath: string; reportPath?: string }> {
  if (flags.runs !== undefined && flags.duration !== undefined) throw new InputError('give --runs or --duration, not both');
  const durationMs = flags.duration;
  const runs = flags.runs ?? (durationMs === undefined ? 10 : Number.MAX_SAFE_INTEGER);
  const plan = flags.plan === undefined ? undefined : await readRealPlan(flags.plan, system.space.targets);
  const params = Object.entries(system.params).map(([name, value]) => `${name} ${value}`).join(', ');
  io.log(`simrun real ${system.name}: ${durationMs === undefined ? plural(runs, 'run') : `runs for ${describeSpan(flags.duration ?? 0)}`} from seed ${flags.seed}${plan === undefined ? '' : `, plan ${flags.plan}`}; ${params}`);
  const onRun = (run: RealRunSummary): void => {
    const verdict = run.status === 'passed' ? 'passed' : 'VIOLATED';
    io.log(`run ${run.index + 1} seed ${run.seed}: ${verdict} in ${(run.wallMs / 1000).toFixed(1)} s; ${describeCounts(run.counts)}`);
    io.log(`  nemesis: ${run.plan.length === 0 ? 'none' : run.plan.map(describeRealFault).join(', ')}`);
    for (const violation of run.violations.slice(0, 20)) io.log(`  ✗ ${violation.invariant}: ${violation.message}`);
    if (run.violations.length > 20) io.log(`  ... and ${run.violations.length - 20} more`);
  };
  const result = await runRealCampaign({
    system,
    seed: flags.seed,
    runs,
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(plan === undefined ? {} : { plan }),
    ...(flags.plan === undefined ? {} : { planPath: flags.plan }),
    outDir: flags['out-dir'],
    keep: flags.keep,
    onRun,
  });
  const kinds = Object.entries(result.actionsByKind).map(([kind, count]) => `${kind} ${count}`).join(', ');
  // The plans list every action; one whose target was not running then (a pause of a process
  // already killed) strikes nothing and is not counted.
  const planned = result.runResults.reduce((sum, run) => sum + run.plan.length, 0);
  const struck = planned === result.nemesisActions ? plural(planned, 'nemesis action') : `${result.nemesisActions} of ${plural(planned, 'planned nemesis action')} struck`;
  io.log(
    `${result.status === 'passed' ? 'PASSED' : 'VIOLATED'}: ${plural(result.runs, 'run')}, ${struck}${kinds === '' ? '' : ` (${kinds})`}; ` +
      `${describeCounts(result.counts)}; wall ${(result.wallMs / 1000).toFixed(1)} s`,
  );
  if (result.failure !== undefined) {
    io.log(`failing run: seed ${result.failure.seed}, logs under ${join(flags['out-dir'], `real-${system.name}-${result.failure.seed}`)}`);
    io.log(`replay: ${result.failure.replay}`);
  }
  io.log(`result: ${result.resultPath}`);
  let reportPath: string | undefined;
  if (flags.report) {
    const { loadResultFile } = await import('../report/load.js');
    const runPath = result.failure?.resultPath ?? result.runResults[result.runResults.length - 1]?.resultPath;
    if (runPath !== undefined) {
      const loaded = await loadResultFile(runPath);
      if (loaded.kind === 'run') reportPath = await writeRunReport(loaded.result, flags['out-dir']);
    }
    if (reportPath !== undefined) io.log(`report: ${reportPath}`);
  }
  process.exitCode = result.status === 'passed' ? EXIT.passed : EXIT.violated;
  return { ...result, ...(reportPath === undefined ? {} : { reportPath }) };
}
