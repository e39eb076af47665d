/**
 * A campaign result built from real runs of the counter fixture: each seed runs with a small fault
 * plan, the failing ones get a run report written next to the campaign, and each failure's "shrunk"
 * plan is a real smaller plan that still fails (its first fault only).
 */
import { join } from 'node:path';
import type { CampaignFailure, CampaignResult } from '../../src/report/campaign.js';
import { writeRunReport } from '../../src/report/report-file.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';
import type { Fault } from '../../src/sim/faults.js';
import counter from '../fixtures/counter-scenario.js';

function planFor(seed: number): Fault[] {
  return [
    { at: 10 + seed, kind: 'pause', target: 'worker-2', ms: 20 + seed },
    { at: 30 + seed, kind: 'skew', target: 'worker-1', ms: -5 },
    ...(seed % 2 === 0 ? [{ at: 60, kind: 'crash', target: 'worker-3' }] : []),
  ];
}

/** Runs seeds 1..runs (workers=3 breaks the counter on most seeds) and writes failing runs' reports into `dir`. */
export async function buildCampaign(dir: string, runs = 6): Promise<CampaignResult> {
  const params = { workers: 3, increments: 3 };
  const results: RunResult[] = [];
  for (let seed = 1; seed <= runs; seed++) results.push(await runScenario(counter, { seed, params, plan: planFor(seed) }));
  const faultKinds: Record<string, { fired: number; inFailingRuns: number }> = {};
  for (const result of results) {
    const fired = new Set<string>();
    for (const event of result.trace) {
      if (!event.kind.startsWith('fault.')) continue;
      const kind = event.kind.slice(6);
      const entry = (faultKinds[kind] ??= { fired: 0, inFailingRuns: 0 });
      entry.fired += 1;
      fired.add(kind);
    }
    if (result.status !== 'passed') for (const kind of fired) (faultKinds[kind] as { inFailingRuns: number }).inFailingRuns += 1;
  }
  const failures: CampaignFailure[] = [];
  for (const result of results.filter((r) => r.status !== 'passed')) {
    const shrunkPlan = result.plan.slice(0, 1);
    const shrunk = await runScenario(counter, { seed: result.seed, params: { ...params, increments: 2 }, plan: shrunkPlan });
    const reportPath = await writeRunReport(result, dir);
    failures.push({
      seed: result.seed,
      status: result.status === 'violated' ? 'violated' : 'harness-error',
      invariant: result.violations[0]?.invariant ?? 'harness',
      invariants: [...new Set(result.violations.map((v) => v.invariant))],
      message: result.violations[0]?.message ?? '',
      original: { plan: result.plan, params, size: { faults: result.plan.length, magnitude: 0, params: { increments: 3 } } },
      shrunk: { plan: shrunk.plan, params: { ...params, increments: 2 }, size: { faults: shrunkPlan.length, magnitude: 0, params: { increments: 2 } }, runs: 7, wallMs: 120, traceHash: shrunk.traceHash },
      replay: result.replay,
      shrunkReplay: `${shrunk.replay} --plan shrunk-${result.seed}.json`,
      reportPath: reportPath.slice(join(dir, '/').length),
    });
  }
  return {
    format: 'simrun.campaign/1',
    scenario: 'counter',
    swarm: false,
    seeds: { from: 1, first: 1, last: runs },
    status: failures.length === 0 ? 'passed' : 'failed',
    runs,
    wallMs: 1234,
    runsPerSec: runs / 1.234,
    faultKinds,
    failures,
  };
}
