/**
 * The determinism check: one seed, run twice in this process, must give one trace. When the two
 * runs disagree, the verdict names the first event that differs (`trace-diff.ts`), which points at
 * the code that consulted something outside the simulation: two hashes alone say only that
 * something did.
 *
 * The runs go one after the other, not interleaved: the common leak is state a run leaves behind in
 * a module (a counter, a cache, a registry) that the next run in the same process — a fuzz worker
 * runs thousands — then reads.
 */
import { describeDivergence, firstDivergence, type TraceDivergence } from '../sim/trace-diff.js';
import { runScenario, type RunOptions, type RunResult } from './run.js';
import type { Scenario } from './scenario.js';

export interface DeterminismVerdict {
  readonly deterministic: boolean;
  readonly scenario: string;
  readonly seed: number;
  /** Both runs, first then second. */
  readonly runs: readonly [RunResult, RunResult];
  /** Where the second run's trace left the first's; absent when they are the same. */
  readonly divergence?: TraceDivergence;
  /** One line: the shared trace hash, or both hashes and the first diverging event. */
  readonly message: string;
}

/** Runs `options` twice and compares the traces, event by event. */
export async function checkDeterminism<P extends object>(scenario: Scenario<P>, options: RunOptions): Promise<DeterminismVerdict> {
  const first = await runScenario(scenario, options);
  const second = await runScenario(scenario, options);
  const divergence = firstDivergence(first.trace, second.trace);
  const runs = [first, second] as const;
  const what = `scenario '${scenario.name}' seed ${options.seed}`;
  if (divergence === undefined && first.traceHash === second.traceHash) {
    return { deterministic: true, scenario: scenario.name, seed: options.seed, runs, message: `${what}: two runs, one trace (${first.trace.length} events, hash ${first.traceHash})` };
  }
  const hashes = `trace hashes ${first.traceHash} vs ${second.traceHash}`;
  return {
    deterministic: false,
    scenario: scenario.name,
    seed: options.seed,
    runs,
    ...(divergence === undefined ? {} : { divergence }),
    // Equal events under unequal hashes would be a fault in the hashing itself: say so rather than guess.
    message: `${what} is not deterministic: ${divergence === undefined ? `every event is equal, yet the ${hashes}` : `${describeDivergence(divergence)} (${hashes})`}`,
  };
}
