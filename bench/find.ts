/**
 * The finding benchmark: for each mutant in the catalogue, the share of seeds in 1..N that expose
 * it ("% buggy schedules"), with plain seeds, with parameter swarm (`--swarm`), and with the seeded
 * same-instant order (`--tie-order seeded`). A share near 1 means any seed finds the bug; near 0, the
 * harness finds it by luck. Then the number of distinct bugs `fuzz --keep-going` triage reports for
 * a lock with three planted bugs of three causes (`test/fixtures/three-bug-lock-scenario.ts`).
 * Writes `reports/bench/find.json`. `SIMRUN_BENCH_FIND_SEEDS` sets N (default 50, quick enough to
 * run by hand; the catalogue's promise is N = 2,000), `SIMRUN_BENCH_FIND_ONLY` limits it to
 * `scenario/mutant` names (comma-separated).
 */
import { pathToFileURL } from 'node:url';
import { runCampaign, type CampaignOptions } from '../src/scenario/fuzz.js';
import { builtInScenarioNames, loadScenario } from '../src/scenario/registry.js';
import { writeBenchResult } from './result-file.js';

type Mode = 'plain' | 'swarm' | 'tieOrder';

const MODES: Readonly<Record<Mode, Partial<CampaignOptions>>> = {
  plain: {},
  swarm: { swarm: true },
  tieOrder: { tieOrder: 'seeded' },
};

/**
 * One mutant: per mode, the share of seeds 1..N whose run breaks an invariant, and the first
 * exposing seed (absent: none in 1..N). Flat, so the results page shows it as one table row.
 */
export interface FindRow {
  readonly scenario: string;
  readonly mutant: string;
  readonly plain: number;
  readonly swarm: number;
  readonly tieOrder: number;
  readonly firstPlain?: number;
  readonly firstSwarm?: number;
  readonly firstTieOrder?: number;
}

const FIRST_SEED_FIELD: Readonly<Record<Mode, 'firstPlain' | 'firstSwarm' | 'firstTieOrder'>> = {
  plain: 'firstPlain',
  swarm: 'firstSwarm',
  tieOrder: 'firstTieOrder',
};

/** What triage made of a campaign over a library with several planted bugs. */
export interface TriageRow {
  readonly scenario: string;
  /** Seeds run. */
  readonly runs: number;
  /** How many bugs were planted, and how many distinct ones triage reported. */
  readonly planted: number;
  readonly distinct: number;
  readonly signatures: readonly string[];
}

export interface FindBenchResult {
  readonly seeds: number;
  readonly rows: readonly FindRow[];
  /** Absent while the benchmark is still going: the file is rewritten after every mutant. */
  readonly triage?: TriageRow;
}

const THREE_BUG_LOCK = 'test/fixtures/three-bug-lock-scenario.ts';

/** Triage of a keep-going campaign over the three-bug lock: three causes should come out as three bugs. */
async function triageThreeBugs(runs: number): Promise<TriageRow> {
  const campaign = await runCampaign({ scenario: THREE_BUG_LOCK, runs, from: 1, keepGoing: true, maxShrinkRuns: 60, maxShrunkFailures: 0 });
  const signatures = (campaign.bugs ?? []).map((bug) => bug.signature);
  console.log(`triage of ${THREE_BUG_LOCK}: ${signatures.length} distinct bugs of 3 planted`);
  return { scenario: THREE_BUG_LOCK, runs, planted: 3, distinct: signatures.length, signatures };
}

export async function runFindBench(seeds = Number(process.env.SIMRUN_BENCH_FIND_SEEDS ?? 50)): Promise<FindBenchResult> {
  const only = process.env.SIMRUN_BENCH_FIND_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
  const rows: FindRow[] = [];
  for (const name of builtInScenarioNames()) {
    const scenario = await loadScenario(name);
    for (const mutant of Object.keys(scenario.mutants ?? {})) {
      if (only !== undefined && !only.includes(`${name}/${mutant}`)) continue;
      const share = { plain: 0, swarm: 0, tieOrder: 0 };
      const firstSeeds: { firstPlain?: number; firstSwarm?: number; firstTieOrder?: number } = {};
      for (const [mode, options] of Object.entries(MODES) as [Mode, Partial<CampaignOptions>][]) {
        const campaign = await runCampaign({ scenario: name, mutant, runs: seeds, from: 1, keepGoing: true, shrink: false, ...options });
        const exposing = campaign.failures.filter((failure) => failure.status === 'violated');
        share[mode] = Math.round((exposing.length / seeds) * 1000) / 1000;
        if (exposing[0] !== undefined) firstSeeds[FIRST_SEED_FIELD[mode]] = exposing[0].seed;
      }
      const done: FindRow = { scenario: name, mutant, ...share, ...firstSeeds };
      rows.push(done);
      console.log(`${name}/${mutant}: plain ${done.plain}, swarm ${done.swarm}, tie order ${done.tieOrder}`);
      // A full run is hours on a small machine: what is measured so far is on record if it stops.
      await writeBenchResult('find', { seeds, rows });
    }
  }
  // At least 40 runs: the planted bugs need that many seeds to all show (test/fuzz/triage.test.ts).
  const triage = await triageThreeBugs(Math.max(40, seeds));
  return writeBenchResult('find', { seeds, rows, triage });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runFindBench();
}
