import { Flags } from '@oclif/core';
import { builtInScenarioNames, loadScenario } from '../../scenario/registry.js';
import { checkMutants, DEFAULT_MAX_SHRUNK_FAULTS, DEFAULT_MUTANT_BOUND, type MutantVerdict } from '../../scenario/mutant-check.js';
import { InputError } from '../../env/errors.js';
import { checkRealMutant, REAL_MUTANTS, type RealMutantVerdict } from '../../real/campaign/real-mutants.js';
import { EXIT, SimrunCommand } from '../base.js';
import { plural } from '../format.js';
import { MOST_WORKER_THREADS, countFlag } from '../flags.js';

export default class MutantsCommand extends SimrunCommand {
  static override summary = 'List the mutant catalogue; with --check, prove the harness catches every mutant.';
  static override description =
    `Each mutant is a deliberately broken lock backend or system. --check fuzzes each one from seed 1 until a seed catches it (at most --bound seeds, ${DEFAULT_MUTANT_BOUND} by default) and requires its failure to shrink to at most ${DEFAULT_MAX_SHRUNK_FAULTS} faults. Exit 1 if any mutant survives.`;
  static override examples = ['<%= config.bin %> mutants', '<%= config.bin %> mutants --check', '<%= config.bin %> mutants --check --scenario bucket --only no-fencing'];
  static override enableJsonFlag = true;
  static override flags = {
    check: Flags.boolean({ description: 'fuzz every mutant and fail if one is not caught', default: false }),
    scenario: Flags.string({ description: 'only this scenario (name or path; repeatable)', multiple: true }),
    only: Flags.string({ description: 'only this mutant (repeatable)', multiple: true }),
    bound: Flags.integer({ description: 'seeds tried per mutant (at most 2000)', default: DEFAULT_MUTANT_BOUND, min: 1, max: DEFAULT_MUTANT_BOUND }),
    workers: countFlag({ description: 'worker threads (default: the number of cores)', max: MOST_WORKER_THREADS }),
    real: Flags.boolean({ description: "also the real-mode mutants (`simrun real SYSTEM --mutant`, each checked by a real campaign); --scenario 'real SYSTEM' names one system's", default: true, allowNo: true }),
  };

  async run(): Promise<{ mutants: { scenario: string; mutant: string; description: string }[]; verdicts?: MutantVerdict[]; realVerdicts?: RealMutantVerdict[] }> {
    const { flags } = await this.parse(MutantsCommand);
    // `real SYSTEM` names a real-mode catalogue (broken real processes, caught by `simrun real`).
    const references = flags.scenario?.filter((reference) => !reference.startsWith('real ')) ?? builtInScenarioNames();
    const realMutants = REAL_MUTANTS.filter((entry) => (flags.scenario === undefined ? true : flags.scenario.includes(entry.scenario)));
    const known: { scenario: string; mutant: string; description: string }[] = [];
    for (const reference of references) {
      const scenario = await loadScenario(reference);
      for (const [mutant, description] of Object.entries(scenario.mutants ?? {})) known.push({ scenario: scenario.name, mutant, description });
    }
    // Real mutants: all of them unless --no-real, or those of the `real SYSTEM` scenarios named.
    const real = flags.real ? realMutants : [];
    for (const entry of real) known.push({ scenario: entry.scenario, mutant: entry.mutant, description: entry.description });
    // A name that matches nothing would check nothing and pass: that is a typo, not a success.
    const unknown = (flags.only ?? []).filter((name) => !known.some((entry) => entry.mutant === name));
    if (unknown.length > 0) {
      const names = [...new Set(known.map((entry) => entry.mutant))].sort().join(', ') || 'none';
      throw new InputError(`--only ${unknown.join(', ')}: no such mutant in ${references.join(', ')} (known: ${names})`);
    }
    const catalogue = flags.only === undefined ? known : known.filter((entry) => flags.only?.includes(entry.mutant));
    if (!flags.check) {
      const width = Math.max(0, ...catalogue.map((entry) => `${entry.scenario} ${entry.mutant}`.length));
      for (const entry of catalogue) this.log(`${`${entry.scenario} ${entry.mutant}`.padEnd(width)}  ${entry.description}`);
      return { mutants: catalogue };
    }
    // Checking nothing proves nothing: a scenario without mutants cannot pass a mutant check.
    if (catalogue.length === 0) throw new InputError(`${references.join(', ')} declares no mutants: nothing to check (a scenario lists its mutants in 'mutants' and swaps them in at setup)`);
    this.log(`checking ${plural(catalogue.length, 'mutant')}: each must be caught within ${plural(flags.bound, 'seed')} and shrink to at most ${plural(DEFAULT_MAX_SHRUNK_FAULTS, 'fault')}`);
    const verdicts = await checkMutants({
      scenarios: references,
      ...(flags.only === undefined ? {} : { only: flags.only }),
      bound: flags.bound,
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      onResult: (verdict) => this.log(describeVerdict(verdict)),
    });
    const realVerdicts: RealMutantVerdict[] = [];
    for (const entry of real.filter((candidate) => flags.only === undefined || flags.only.includes(candidate.mutant))) {
      const verdict = await checkRealMutant(entry);
      realVerdicts.push(verdict);
      const seconds = `${(verdict.wallMs / 1000).toFixed(1)} s`;
      this.log(verdict.status === 'caught' ? `  ✓ ${entry.scenario} ${entry.mutant}: caught at seed ${verdict.seed} by ${verdict.invariant} (${seconds})` : `  ✗ ${entry.scenario} ${entry.mutant}: survived ${plural(verdict.runs, 'real run')} (${seconds})`);
    }
    const escaped = [...verdicts, ...realVerdicts].filter((verdict) => verdict.status !== 'caught');
    const checked = verdicts.length + realVerdicts.length;
    this.log(escaped.length === 0 ? `PASSED: all ${plural(checked, 'mutant')} caught` : `FAILED: ${escaped.length} of ${plural(checked, 'mutant')} not caught`);
    process.exitCode = escaped.length === 0 ? EXIT.passed : EXIT.violated;
    return { mutants: catalogue, verdicts, ...(realVerdicts.length === 0 ? {} : { realVerdicts }) };
  }
}

function describeVerdict(verdict: MutantVerdict): string {
  const name = `${verdict.scenario} ${verdict.mutant}`;
  if (verdict.status === 'survived') return `  ✗ ${name}: survived (${(verdict.wallMs / 1000).toFixed(1)} s)`;
  const mark = verdict.status === 'caught' ? '✓' : '✗';
  const shrink = verdict.shrinkMs === undefined ? '' : `, shrunk in ${(verdict.shrinkMs / 1000).toFixed(1)} s`;
  return `  ${mark} ${name}: caught at seed ${verdict.seed} by ${verdict.invariant}; plan ${verdict.originalFaults} → ${plural(verdict.shrunkFaults ?? 0, 'fault')}${shrink}${verdict.status === 'shrunk-too-large' ? ' (too large)' : ''}`;
}
