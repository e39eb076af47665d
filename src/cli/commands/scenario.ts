import { Args, Flags } from '@oclif/core';
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../../env/errors.js';
import { prepareRun, runScenario, shellQuote, validateSeed, type RunSetup } from '../../scenario/run.js';
import { loadScenario } from '../../scenario/registry.js';
import { summarize, writeRunResult } from '../../report/result-file.js';
import { writeRunReport } from '../../report/report-file.js';
import { EXIT, SimrunCommand } from '../base.js';
import { formatOffset, parseAssignments, plural } from '../format.js';
import { formatSwarm } from '../../sim/fault-kinds/swarm.js';
import { formatInstant, formatLocal } from '../../scenario/calendar.js';
import { parseWorldFlags, worldFlags } from '../run-flags.js';
import { inputFileFlag, outputDirectoryFlag } from '../flags.js';

export default class ScenarioCommand extends SimrunCommand {
  static override summary = 'Run one seed of a scenario under simulation and check its invariants.';
  static override description =
    'Prints the seed and options first, then the verdict, the trace hash and a one-line replay command. Writes a JSON result under reports/. Exit codes: 0 passed, 1 invariant violated, 2 usage or input error, 3 harness error.';
  static override examples = [
    '<%= config.bin %> scenario bucket --seed 42',
    '<%= config.bin %> scenario bucket --seed 42 --lock sqlite --plan plan.json',
    '<%= config.bin %> scenario ./my-scenario.ts --seed 7 --set workers=3 --json',
    '<%= config.bin %> scenario cron-leader --seed 3 --swarm',
    '<%= config.bin %> scenario cron-leader --seed 1 --start 2021-11-07T00:30 --zone America/New_York',
    '<%= config.bin %> scenario lock --seed 5 --tie-order seeded',
  ];
  static override enableJsonFlag = true;
  static override args = {
    scenario: Args.string({ description: 'a built-in scenario name (see `simrun list`) or the path of a scenario file', required: true }),
  };
  static override flags = {
    seed: Flags.string({ description: 'the seed (a non-negative integer); a random one when absent' }),
    plan: inputFileFlag({ description: 'replay this fault plan (a JSON file) instead of the one the seed generates' }),
    set: Flags.string({ description: 'override a scenario parameter: key=value (repeatable)', multiple: true }),
    lock: Flags.string({ description: 'the lock backend as a lock spec, for scenarios with a `lock` parameter (memory, file[:DIR], sqlite[:PATH]) or the path of your own lock module (./my-lock.ts)' }),
    mutant: Flags.string({ description: 'swap in a deliberately broken implementation (see `simrun mutants`)' }),
    swarm: Flags.boolean({
      description: "swarm mode: the seed first draws the scenario's parameters from their declared ranges, the start and time zone, then which fault kinds are on and at what rates (all printed before the run)",
      default: false,
    }),
    ...worldFlags,
    'out-dir': outputDirectoryFlag({ description: 'where the JSON result is written', default: 'reports' }),
    report: Flags.boolean({ description: 'also write a self-contained HTML report next to the JSON result', default: false }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ScenarioCommand);
    const seed = parseSeed(flags.seed);
    const scenario = await loadScenario(args.scenario);
    const overrides = parseAssignments(flags.set ?? []);
    if (flags.lock !== undefined) overrides.lock = flags.lock;
    const world = parseWorldFlags(flags);
    const plan = flags.plan === undefined ? undefined : await readPlanFile(flags.plan);
    const options = {
      seed,
      scenarioReference: args.scenario,
      params: overrides,
      plan,
      ...(flags.plan === undefined ? {} : { planPath: flags.plan }),
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
      swarm: flags.swarm,
      ...world,
    };
    const setup = await prepareRun(scenario, options);

    this.log(commandLine(args.scenario, seed, flags));
    for (const line of describeSetup(setup)) this.log(line);
    const result = await runScenario(scenario, options);
    this.log(`faults (${result.planSource === 'file' ? 'from ' + flags.plan : 'from the seed'}): ${result.plan.length === 0 ? 'none' : ''}`);
    for (const fault of result.plan) {
      const { at, kind, target, ...rest } = fault;
      this.log(`  ${formatOffset(at)}  ${kind}${target ? ' ' + target : ''}${Object.keys(rest).length ? ' ' + JSON.stringify(rest) : ''}`);
    }
    const path = await writeRunResult(result, flags['out-dir']);
    const verdict = result.status === 'passed' ? 'PASSED' : result.status === 'violated' ? 'VIOLATED' : 'HARNESS ERROR';
    this.log(`${verdict}: ${plural(result.events, 'event')}, ${formatOffset(result.simulatedMs)} simulated in ${(result.wallMs / 1000).toFixed(2)} s real`);
    if (result.status === 'harness-error') this.log(`  ${result.error.name}: ${result.error.message}`);
    for (const violation of result.violations.slice(0, 20)) {
      this.log(`  ✗ ${violation.invariant}${violation.atMs === undefined ? '' : ' at ' + formatOffset(violation.atMs - result.epochMs)}: ${violation.message}`);
    }
    if (result.violations.length > 20) this.log(`  ... and ${result.violations.length - 20} more (see ${path})`);
    this.log(`trace hash: ${result.traceHash}`);
    this.log(`result: ${path}`);
    this.log(`replay: ${result.replay}`);
    // The report is written last, so its path is the last line printed.
    const reportPath = flags.report ? await writeRunReport(result, flags['out-dir']) : undefined;
    if (reportPath !== undefined) this.log(`report: ${reportPath}`);
    process.exitCode = result.status === 'passed' ? EXIT.passed : result.status === 'violated' ? EXIT.violated : EXIT.harness;
    return { ...summarize(result), resultPath: path, ...(reportPath === undefined ? {} : { reportPath }) };
  }
}

/**
 * The command as given, with the seed it runs (drawn when --seed was absent): pasted into a shell,
 * it runs this run again. The last line's replay command says the same in canonical form.
 */
export function commandLine(
  scenario: string,
  seed: number,
  flags: {
    set?: readonly string[] | undefined;
    lock?: string | undefined;
    plan?: string | undefined;
    swarm: boolean;
    mutant?: string | undefined;
    start?: string | undefined;
    zone?: string | undefined;
    'tie-order'?: string | undefined;
  },
): string {
  const parts = ['simrun', 'scenario', shellQuote(scenario), '--seed', String(seed)];
  for (const assignment of flags.set ?? []) parts.push('--set', shellQuote(assignment));
  if (flags.lock !== undefined) parts.push('--lock', shellQuote(flags.lock));
  if (flags.start !== undefined) parts.push('--start', shellQuote(flags.start));
  if (flags.zone !== undefined) parts.push('--zone', shellQuote(flags.zone));
  if (flags['tie-order'] !== undefined && flags['tie-order'] !== 'fifo') parts.push('--tie-order', shellQuote(flags['tie-order']));
  if (flags.plan !== undefined) parts.push('--plan', shellQuote(flags.plan));
  if (flags.swarm) parts.push('--swarm');
  if (flags.mutant !== undefined) parts.push('--mutant', shellQuote(flags.mutant));
  return parts.join(' ');
}

/**
 * Every option of the run, before it starts: the parameters, the start and zone, the tie order,
 * and under swarm what the seed drew (parameters, start, fault rates).
 */
export function describeSetup(setup: RunSetup<object>): string[] {
  const lines = [`options: ${JSON.stringify(setup.params)}`];
  if (setup.swarmParams !== undefined) {
    const drawn = Object.entries(setup.swarmParams).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    lines.push(`swarm parameters: ${drawn.length === 0 ? 'none (the scenario declares no ranges, or every one was set)' : drawn.join(' ')}`);
  }
  const aimed = setup.drawnStart?.aimedAt;
  lines.push(
    `start: ${formatInstant(setup.startMs)}, ${formatLocal(setup.startMs, setup.timeZone)} in ${setup.timeZone}` +
      `${setup.drawnStart === undefined ? '' : ' (drawn)'}${aimed === undefined ? '' : `, ${aimed.direction} at ${formatLocal(aimed.atMs, setup.timeZone)}`}`,
  );
  if (setup.tieOrder !== 'fifo') lines.push(`tie order: ${setup.tieOrder} (events due at one instant fire in an order drawn from the seed)`);
  if (setup.swarm !== undefined) lines.push(`swarm: ${formatSwarm(setup.swarm)}`);
  return lines;
}

export function parseSeed(text: string | undefined): number {
  if (text === undefined) return randomInt(0, 2 ** 31);
  if (!/^\d+$/.test(text.trim())) throw new InputError(`the seed must be a non-negative integer, got '${text}'`);
  return validateSeed(Number(text.trim()));
}

export async function readPlanFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the plan file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}
