import { Args, Flags } from '@oclif/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseShard, runCampaign, type CampaignResult } from '../../scenario/fuzz.js';
import { createSeedRunner } from '../../scenario/pool.js';
import { builtInScenarioNames } from '../../scenario/registry.js';
import { renderJunit } from '../../report/junit.js';
import { EXIT, SimrunCommand } from '../base.js';
import { plural } from '../format.js';
import { parseWorldFlags, worldFlags } from '../run-flags.js';
import { MOST_WORKER_THREADS, countFlag, outputFileFlag, seedFlag } from '../flags.js';

export default class CheckCommand extends SimrunCommand {
  static override summary = 'For CI: run every scenario (or the named ones) over a fixed seed range; fail on any violation.';
  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check bucket cron-leader --seeds 200 --junit reports/junit.xml',
    '<%= config.bin %> check --seeds 1000 --shard 3/8',
    '<%= config.bin %> check --seeds 200 --swarm',
    '<%= config.bin %> check lock --seeds 500 --tie-order seeded',
  ];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = { scenarios: Args.string({ description: 'scenario names or paths (default: every built-in scenario)' }) };
  static override flags = {
    seeds: countFlag({ description: 'seeds per scenario (per shard)', default: 50 }),
    from: seedFlag({ description: 'the first seed', default: 1 }),
    shard: Flags.string({ description: 'run shard i of n of the seed range: i/n' }),
    swarm: Flags.boolean({ description: "swarm mode for every seed: parameters from the scenario's ranges, start, zone and fault rates drawn from the seed", default: false }),
    ...worldFlags,
    workers: countFlag({ description: 'worker threads (default: the number of cores)', max: MOST_WORKER_THREADS }),
    junit: outputFileFlag({ description: 'write JUnit XML here' }),
  };

  async run(): Promise<{ status: 'passed' | 'failed'; scenarios: Omit<CampaignResult, 'faultKinds'>[] }> {
    const { argv, flags } = await this.parse(CheckCommand);
    const references = (argv as string[]).length > 0 ? (argv as string[]) : builtInScenarioNames();
    const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
    const world = parseWorldFlags(flags);
    const results: CampaignResult[] = [];
    // One set of worker threads for every scenario: each thread loads and warms up once.
    const runner = createSeedRunner(flags.workers ?? availableParallelism());
    try {
      for (const reference of references) {
        const result = await runCampaign({
          scenario: reference,
          runs: flags.seeds,
          from: flags.from,
          ...(shard === undefined ? {} : { shard }),
          swarm: flags.swarm,
          ...world,
          keepGoing: true,
          shrink: false,
          runner,
        });
        results.push(result);
        const range = `seeds ${result.seeds.first ?? '-'}..${result.seeds.last ?? '-'}${shard ? ` (shard ${shard.index}/${shard.count})` : ''}`;
        this.log(`${result.status === 'passed' ? '✓' : '✗'} ${result.scenario}: ${plural(result.runs, 'run')}, ${result.failures.length} failing, ${range}, ${result.runsPerSec.toFixed(1)} runs/s`);
        for (const failure of result.failures.slice(0, 5)) this.log(`    seed ${failure.seed}: ${failure.invariant}: ${failure.message}\n    replay: ${failure.replay}`);
      }
    } finally {
      await runner.close();
    }
    if (flags.junit !== undefined) {
      await mkdir(dirname(flags.junit), { recursive: true });
      await writeFile(
        flags.junit,
        renderJunit(results.map((result) => ({
          name: result.scenario,
          runs: result.runs,
          wallMs: result.wallMs,
          seedRange: `${result.seeds.first ?? '-'}..${result.seeds.last ?? '-'}`,
          failures: result.failures.map((failure) => ({ seed: failure.seed, invariant: failure.invariant, message: failure.message, replay: failure.replay })),
        }))),
      );
      this.log(`junit: ${flags.junit}`);
    }
    const status = results.every((result) => result.status === 'passed') ? 'passed' : 'failed';
    process.exitCode = status === 'passed' ? EXIT.passed : EXIT.violated;
    return { status, scenarios: results };
  }
}
