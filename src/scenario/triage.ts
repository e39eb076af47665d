/**
 * Triage of a campaign: its failures grouped into distinct bugs. A failing run shows one or more
 * causes (an invariant, and the operation that broke it when the checker names one); runs that show
 * the same cause are one bug. The first run of each is shrunk against that cause's invariant, and
 * the fault kinds left in its shrunk plan complete the bug's signature, so two bugs that break one
 * invariant through different operations, or need different faults, are told apart.
 */
import type { Fault } from '../sim/faults.js';
import type { Scenario } from './scenario.js';
import type { SeedRun } from './seed-run.js';
import { shrinkFailure } from './shrink.js';

export interface TriagedBug {
  /** `invariant · operation · fault kinds of the shrunk plan`. */
  readonly signature: string;
  readonly invariant: string;
  readonly operation?: string;
  /** Fault kinds left in the shrunk plan, sorted ('none': the bug needs no fault). */
  readonly faultKinds: readonly string[];
  /** Failing runs that showed this cause. */
  readonly count: number;
  readonly firstSeed: number;
  readonly lock?: string;
  /** The first run's message for this cause. */
  readonly message: string;
  readonly seeds: readonly number[];
  readonly shrunk: { readonly plan: readonly Fault[]; readonly params: Readonly<Record<string, unknown>> };
  /** Replays the shrunk bug, once its plan is written to a file (the CLI does). */
  readonly replay?: string;
}

export interface TriageOptions {
  readonly scenario: Scenario<object>;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly mutant?: string;
  /** Shrink runs per bug. */
  readonly maxShrinkRuns?: number;
  readonly shrink?: boolean;
}

const SEEDS_LISTED = 20;

/** The distinct bugs among `runs` (failing ones), most frequent first. */
export async function triageFailures(runs: readonly SeedRun[], options: TriageOptions): Promise<TriagedBug[]> {
  const groups = new Map<string, { invariant: string; operation?: string; message: string; runs: SeedRun[] }>();
  for (const run of runs) {
    const causes = run.causes.length > 0 ? run.causes : [{ invariant: 'harness', message: run.error ?? '' }];
    for (const cause of causes) {
      const id = `${cause.invariant}\u0000${cause.operation ?? ''}`;
      const group = groups.get(id) ?? { invariant: cause.invariant, ...(cause.operation === undefined ? {} : { operation: cause.operation }), message: cause.message, runs: [] };
      groups.set(id, group);
      group.runs.push(run);
    }
  }
  const bugs: TriagedBug[] = [];
  for (const group of groups.values()) {
    const first = group.runs[0] as SeedRun;
    const params = first.lock === undefined ? { ...options.params } : { ...options.params, lock: first.lock };
    let shrunk = { plan: first.plan, params: params as Readonly<Record<string, unknown>> };
    if ((options.shrink ?? true) && first.status === 'violated') {
      const outcome = await shrinkFailure({
        scenario: options.scenario,
        seed: first.seed,
        params,
        plan: first.plan,
        invariant: group.invariant,
        ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
        ...(options.maxShrinkRuns === undefined ? {} : { maxRuns: options.maxShrinkRuns }),
      });
      shrunk = { plan: outcome.plan, params: outcome.params };
    }
    const kinds = [...new Set(shrunk.plan.map((fault) => fault.kind))].sort();
    const faultKinds = kinds.length === 0 ? ['none'] : kinds;
    bugs.push({
      signature: [group.invariant, group.operation ?? '—', faultKinds.join('+')].join(' · '),
      invariant: group.invariant,
      ...(group.operation === undefined ? {} : { operation: group.operation }),
      faultKinds,
      count: group.runs.length,
      firstSeed: first.seed,
      ...(first.lock === undefined ? {} : { lock: first.lock }),
      message: group.message,
      seeds: group.runs.slice(0, SEEDS_LISTED).map((run) => run.seed),
      shrunk,
    });
  }
  return bugs.sort((a, b) => b.count - a.count || a.firstSeed - b.firstSeed);
}
