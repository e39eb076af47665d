import { Args } from '@oclif/core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mergeCampaigns, type CampaignResult } from '../../scenario/fuzz.js';
import { InputError } from '../../env/errors.js';
import { EXIT, SimrunCommand } from '../base.js';
import { campaignBaseName } from '../campaign-output.js';
import { plural } from '../format.js';
import { outputFileFlag } from '../flags.js';

export default class MergeCommand extends SimrunCommand {
  static override summary = 'Combine the JSON results of the shards of one fuzz campaign into one.';
  static override examples = ['<%= config.bin %> merge reports/fuzz/bucket-from-1-shard-*-of-4.json --out reports/fuzz/bucket.json'];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = { results: Args.string({ description: 'campaign result files', required: true }) };
  static override flags = { out: outputFileFlag({ description: 'where the merged result is written (default: reports/fuzz/<scenario>[-<mutant>][-swarm]-from-<first seed>-merged.json)' }) };

  async run(): Promise<CampaignResult & { resultPath: string }> {
    const { argv, flags } = await this.parse(MergeCommand);
    const results = await Promise.all((argv as string[]).map(readCampaign));
    const merged = mergeCampaigns(results);
    const resultPath = flags.out ?? join('reports', 'fuzz', `${campaignBaseName(merged)}-merged.json`);
    await mkdir(dirname(resultPath), { recursive: true });
    await writeFile(resultPath, JSON.stringify(merged, null, 2) + '\n');
    this.log(`${merged.status === 'passed' ? 'PASSED' : 'FAILED'}: ${merged.scenario}, ${plural(results.length, 'shard')}, ${plural(merged.runs, 'run')}, ${merged.failures.length} failing`);
    for (const failure of merged.failures) this.log(`  ✗ seed ${failure.seed}: ${failure.invariant}: ${failure.message}`);
    this.log(`result: ${resultPath}`);
    process.exitCode = merged.status === 'passed' ? EXIT.passed : EXIT.violated;
    return { ...merged, resultPath };
  }
}

async function readCampaign(path: string): Promise<CampaignResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as CampaignResult;
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}
