/**
 * The mutant catalogue check: every deliberately broken implementation a scenario declares must be
 * caught within a bound of seeds, and its failure must shrink to a plan of at most a few faults.
 * A mutant that survives means the harness has lost the power to see that class of bug.
 */
import { realPerformanceNow } from '../sim/globals.js';
import { runCampaign } from './fuzz.js';
import { loadScenario } from './registry.js';

export interface MutantCheckOptions {
  /** Scenario references; each one's declared mutants are checked. */
  readonly scenarios: readonly string[];
  /** Only these mutants (by name), when given. */
  readonly only?: readonly string[];
  /** Seeds tried per mutant before it counts as surviving (at most 2,000). */
  readonly bound?: number;
  /** The shrunk plan of a caught mutant may hold at most this many faults. */
  readonly maxShrunkFaults?: number;
  readonly workers?: number;
  readonly onResult?: (result: MutantVerdict) => void;
}

export interface MutantVerdict {
  readonly scenario: string;
  readonly mutant: string;
  readonly description: string;
  readonly status: 'caught' | 'survived' | 'shrunk-too-large';
  /** The first seed that caught it, and how many seeds were needed. */
  readonly seed?: number;
  readonly seedsNeeded?: number;
  readonly invariant?: string;
  readonly shrunkFaults?: number;
  readonly originalFaults?: number;
  readonly shrinkMs?: number;
  readonly wallMs: number;
}

export const DEFAULT_MUTANT_BOUND = 2_000;
export const DEFAULT_MAX_SHRUNK_FAULTS = 3;

export async function checkMutants(options: MutantCheckOptions): Promise<MutantVerdict[]> {
  const bound = Math.min(options.bound ?? DEFAULT_MUTANT_BOUND, DEFAULT_MUTANT_BOUND);
  const maxFaults = options.maxShrunkFaults ?? DEFAULT_MAX_SHRUNK_FAULTS;
  const verdicts: MutantVerdict[] = [];
  for (const reference of options.scenarios) {
    const scenario = await loadScenario(reference);
    for (const [mutant, description] of Object.entries(scenario.mutants ?? {})) {
      if (options.only !== undefined && !options.only.includes(mutant)) continue;
      const started = realPerformanceNow();
      const campaign = await runCampaign({
        scenario: reference,
        mutant,
        runs: bound,
        from: 1,
        maxShrunkFailures: 1,
        ...(options.workers === undefined ? {} : { workers: options.workers }),
      });
      const failure = campaign.failures.find((candidate) => candidate.status === 'violated');
      const wallMs = realPerformanceNow() - started;
      let verdict: MutantVerdict;
      if (failure === undefined) {
        verdict = { scenario: scenario.name, mutant, description, status: 'survived', wallMs };
      } else {
        const shrunkFaults = failure.shrunk?.size.faults ?? failure.original.plan.length;
        verdict = {
          scenario: scenario.name,
          mutant,
          description,
          status: shrunkFaults <= maxFaults ? 'caught' : 'shrunk-too-large',
          seed: failure.seed,
          seedsNeeded: failure.seed,
          invariant: failure.invariant,
          shrunkFaults,
          originalFaults: failure.original.plan.length,
          ...(failure.shrunk === undefined ? {} : { shrinkMs: failure.shrunk.wallMs }),
          wallMs,
        };
      }
      verdicts.push(verdict);
      options.onResult?.(verdict);
    }
  }
  return verdicts;
}
