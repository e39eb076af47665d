/**
 * A real campaign: `runs` runs (or as many as fit in `durationMs`) of one system's real processes,
 * run `i` from seed `seed + i`, each under the nemesis plan its seed draws (or the one plan given),
 * each judged from its merged trace by the system's checkers. Stops at the first run that violates
 * an invariant, as a fuzz campaign does, so a failing seed is found and reported quickly.
 *
 * Every run's result is a `RunResult` (the shape of a simulated run's JSON result), written under
 * `outDir`, so `simrun report` and `--report` draw a real run's lanes with the same report code.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkNoUncaughtErrors } from '../../check/no-uncaught-errors.js';
import type { Violation } from '../../check/violation.js';
import { HarnessError } from '../../env/errors.js';
import type { RunResult } from '../../scenario/run.js';
import { traceHash, type TraceEvent } from '../../sim/trace.js';
import { startNemesis, type NemesisRun } from './nemesis.js';
import { asFaultPlan, drawRealPlan, type RealFaultSpace, type RealPlan } from './plan.js';
import { Supervisor, type Incarnation } from './supervisor.js';
import { realRunTrace } from './trace.js';

/** What a system's run hands the frame to judge once its processes are gone. */
export interface RealRunJudge {
  /** The verdict of the system's checkers on the merged trace. */
  judge(trace: readonly TraceEvent[]): Promise<{ readonly violations: readonly Violation[]; readonly counts: Readonly<Record<string, number>> }>;
}

export interface RealRunContext {
  readonly seed: number;
  /** A fresh directory for this run. */
  readonly dir: string;
  readonly supervisor: Supervisor;
  /** Starts the run's nemesis now (the plan's times count from this call). */
  startNemesis(): NemesisRun;
}

/** One system under the real nemesis. */
export interface RealSystem {
  /** `bucket`: results are named `real-bucket-...`. */
  readonly name: string;
  /** What every run of this campaign was given (for results and replay). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly space: RealFaultSpace;
  /** The checkers it applies, by name (`no-uncaught-errors` is added for every system). */
  readonly invariants: readonly { readonly name: string; readonly description: string }[];
  /** The flags that rebuild this campaign's system (`--lock ... --workers 3`), for replay commands. */
  readonly replayFlags: readonly string[];
  /** Runs the processes to the end of one run; the frame merges the trace and calls `judge`. */
  execute(context: RealRunContext): Promise<RealRunJudge>;
}

export interface RealCampaignOptions {
  readonly system: RealSystem;
  readonly seed: number;
  readonly runs: number;
  /** Stop starting runs once this much wall time has passed (the run under way finishes). */
  readonly durationMs?: number;
  /** Replay this plan in every run instead of drawing one per seed. */
  readonly plan?: RealPlan;
  readonly planPath?: string;
  readonly outDir: string;
  /** Keep each run's directory and logs (always kept for a failing run). */
  readonly keep?: boolean;
  /** Called after each run, for progress lines. */
  readonly onRun?: (run: RealRunSummary) => void;
}

export interface RealRunSummary {
  readonly index: number;
  readonly seed: number;
  readonly status: RunResult['status'];
  readonly plan: RealPlan;
  /** Actions that found their target running. */
  readonly actions: number;
  readonly wallMs: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly violations: readonly Violation[];
  readonly resultPath: string;
  readonly dir: string;
  readonly replay: string;
  readonly result: RunResult;
}

export const REAL_CAMPAIGN_FORMAT = 'simrun.real-campaign/1';

export interface RealCampaignResult {
  readonly format: typeof REAL_CAMPAIGN_FORMAT;
  readonly system: string;
  readonly status: 'passed' | 'violated';
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly runs: number;
  readonly nemesisActions: number;
  readonly actionsByKind: Readonly<Record<string, number>>;
  readonly counts: Readonly<Record<string, number>>;
  readonly wallMs: number;
  readonly runResults: readonly Omit<RealRunSummary, 'result'>[];
  readonly failure?: { readonly seed: number; readonly violations: readonly Violation[]; readonly replay: string; readonly resultPath: string; readonly plan: RealPlan };
}

const NO_UNCAUGHT = { name: 'no-uncaught-errors', description: 'no process died of an exception it did not handle' };

/** Runs the campaign and writes `<outDir>/real-<system>-from-<seed>.json`. */
export async function runRealCampaign(options: RealCampaignOptions): Promise<RealCampaignResult & { readonly resultPath: string }> {
  const { system } = options;
  const started = Date.now();
  await mkdir(options.outDir, { recursive: true });
  const summaries: RealRunSummary[] = [];
  for (let index = 0; index < options.runs; index++) {
    if (index > 0 && options.durationMs !== undefined && Date.now() - started >= options.durationMs) break;
    const summary = await runOne(options, index);
    summaries.push(summary);
    options.onRun?.(summary);
    if (summary.status !== 'passed') break;
  }
  const failed = summaries.find((summary) => summary.status !== 'passed');
  const actionsByKind: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const summary of summaries) {
    for (const event of summary.result.trace) {
      if (event.kind.startsWith('fault.') && event.data?.applied === true) actionsByKind[event.kind.slice(6)] = (actionsByKind[event.kind.slice(6)] ?? 0) + 1;
    }
    for (const [name, value] of Object.entries(summary.counts)) counts[name] = (counts[name] ?? 0) + value;
  }
  const result: RealCampaignResult = {
    format: REAL_CAMPAIGN_FORMAT,
    system: system.name,
    status: failed === undefined ? 'passed' : 'violated',
    seed: options.seed,
    params: system.params,
    runs: summaries.length,
    nemesisActions: summaries.reduce((sum, summary) => sum + summary.actions, 0),
    actionsByKind,
    counts,
    wallMs: Date.now() - started,
    runResults: summaries.map(({ result: _result, ...rest }) => rest),
    ...(failed === undefined ? {} : { failure: { seed: failed.seed, violations: failed.violations, replay: failed.replay, resultPath: failed.resultPath, plan: failed.plan } }),
  };
  const resultPath = join(options.outDir, `real-${system.name}-from-${options.seed}.json`);
  await writeFile(resultPath, JSON.stringify(result, null, 2) + '\n');
  return { ...result, resultPath };
}

async function runOne(options: RealCampaignOptions, index: number): Promise<RealRunSummary> {
  const { system } = options;
  const seed = options.seed + index;
  const plan = options.plan ?? drawRealPlan(seed, system.space);
  const dir = join(options.outDir, `real-${system.name}-${seed}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const supervisor = new Supervisor({ dir });
  const startMs = Date.now();
  let nemesis: NemesisRun | undefined;
  let judge: RealRunJudge;
  try {
    judge = await system.execute({
      seed,
      dir,
      supervisor,
      startNemesis: () => (nemesis = startNemesis(supervisor, plan, Date.now())),
    });
  } finally {
    nemesis?.cancel();
    await supervisor.close();
  }
  const endMs = Date.now();
  // A process that refused its input or could not reach its store did not run the system at all:
  // a harness condition of the run, never a violation charged to the system.
  const refused = supervisor.refusedInput();
  if (refused !== undefined) runFailed(await describeEarlyExit(refused));
  const trace = await realRunTrace(supervisor.incarnations, supervisor.events);
  const verdict = await judge.judge(trace);
  const violations = [...verdict.violations, ...checkNoUncaughtErrors(trace)];
  const replay = replayCommand(system, seed, options);
  const facts = {
    scenario: `real-${system.name}`,
    seed,
    params: system.params,
    plan: asFaultPlan(plan),
    planSource: options.plan === undefined ? ('seed' as const) : ('file' as const),
    traceHash: traceHash(trace),
    events: trace.length,
    simulatedMs: endMs - startMs,
    wallMs: endMs - startMs,
    epochMs: startMs,
    // A real run's wall clock reads this machine's zone.
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    invariants: [...system.invariants, NO_UNCAUGHT],
    replay,
    trace,
  };
  const result: RunResult =
    violations.length === 0 ? { ...facts, status: 'passed', outcome: 'quiescent', violations: [] } : { ...facts, status: 'violated', outcome: 'quiescent', violations };
  const resultPath = join(options.outDir, `real-${system.name}-${seed}.json`);
  await writeFile(resultPath, JSON.stringify({ format: 'simrun.run/1', ...result }) + '\n');
  if (result.status === 'passed' && !options.keep) await rm(dir, { recursive: true, force: true });
  const actions = trace.filter((event) => event.kind.startsWith('fault.') && event.data?.applied === true).length;
  return { index, seed, status: result.status, plan, actions, wallMs: endMs - startMs, counts: verdict.counts, violations, resultPath, dir, replay, result };
}

function replayCommand(system: RealSystem, seed: number, options: RealCampaignOptions): string {
  const parts = ['simrun', 'real', system.name, '--seed', String(seed), '--runs', '1', ...system.replayFlags];
  if (options.planPath !== undefined) parts.push('--plan', options.planPath);
  return parts.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * One line on a process that ended before doing its part: its exit and the last line it wrote that
 * is not a trace event (a refusing command's one-line reason), and where its log is.
 */
export async function describeEarlyExit(incarnation: Incarnation): Promise<string> {
  const log = await readFile(incarnation.logPath, 'utf8').catch(() => '');
  const reason = log
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('{'))
    .at(-1);
  const exit = incarnation.exit?.signal ?? `code ${incarnation.exit?.code}`;
  return `${incarnation.pid} exited at startup (${exit})${reason === undefined ? '' : `: ${reason}`}; see ${incarnation.logPath}`;
}

/** A harness failure of a run: a process the run needs could not do its part. */
export function runFailed(message: string): never {
  throw new HarnessError(message);
}
