/**
 * The finding benchmark: for each mutant in the catalogue, the share of seeds in 1..N that expose
 * it ("% buggy schedules"), with plain seeds, with parameter swarm (`--swarm`), and with the seeded
 * same-instant order (`--tie-order seeded`). A share near 1 means any seed finds the bug; near 0, the
 * harness finds it by luck. Writes `reports/bench/find.json`. `SIMRUN_BENCH_FIND_SEEDS` sets N
 * (default 2,000), `SIMRUN_BENCH_FIND_ONLY` limits it to `scenario/mutant` names (comma-separated).
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

export interface FindRow {
  readonly scenario: string;
  readonly mutant: string;
  /** Share of seeds 1..N whose run breaks an invariant, per mode. */
  readonly share: Readonly<Record<Mode, number>>;
  /** The first exposing seed per mode (absent: none in 1..N). */
  readonly firstSeed: Readonly<Partial<Record<Mode, number>>>;
}

export interface FindBenchResult {
  readonly seeds: number;
  readonly rows: readonly FindRow[];
}

export async function runFindBench(seeds = Number(process.env.SIMRUN_BENCH_FIND_SEEDS ?? 2_000)): Promise<FindBenchResult> {
  const only = process.env.SIMRUN_BENCH_FIND_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
  const rows: FindRow[] = [];
  for (const name of builtInScenarioNames()) {
    const scenario = await loadScenario(name);
    for (const mutant of Object.keys(scenario.mutants ?? {})) {
      if (only !== undefined && !only.includes(`${name}/${mutant}`)) continue;
      const share: Partial<Record<Mode, number>> = {};
      const firstSeed: Partial<Record<Mode, number>> = {};
      for (const [mode, options] of Object.entries(MODES) as [Mode, Partial<CampaignOptions>][]) {
        const campaign = await runCampaign({ scenario: name, mutant, runs: seeds, from: 1, keepGoing: true, shrink: false, ...options });
        const exposing = campaign.failures.filter((failure) => failure.status === 'violated');
        share[mode] = Math.round((exposing.length / seeds) * 1000) / 1000;
        if (exposing[0] !== undefined) firstSeed[mode] = exposing[0].seed;
      }
      const row: FindRow = { scenario: name, mutant, share: share as Record<Mode, number>, firstSeed };
      rows.push(row);
      console.log(`${name}/${mutant}: plain ${row.share.plain}, swarm ${row.share.swarm}, tie order ${row.share.tieOrder}`);
    }
  }
  return writeBenchResult('find', { seeds, rows });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runFindBench();
}
