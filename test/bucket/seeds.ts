/** Runs many seeds of the bucket scenario and collects every run that did not pass, for one assertion. */
import bucket from '../../scenarios/bucket.js';
import { runScenario } from '../../src/scenario/run.js';

export async function failingSeeds(params: Record<string, unknown>, from: number, count: number): Promise<string[]> {
  const failures: string[] = [];
  for (let seed = from; seed < from + count; seed += 1) {
    const result = await runScenario(bucket, { seed, params });
    if (result.status === 'harness-error') failures.push(`seed ${seed}: ${result.error.message}`);
    else if (result.status === 'violated') failures.push(`seed ${seed}: ${result.violations.map((violation) => violation.message).join('; ')} (replay: ${result.replay})`);
  }
  return failures;
}
