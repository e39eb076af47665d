/**
 * Writing what a campaign found: the campaign JSON, one plan file per shrunk failure, and the
 * lines that tell a person how to replay each one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CampaignFailure, CampaignResult } from '../scenario/fuzz.js';
import { replayCommand } from '../scenario/run.js';
import { formatSwarm } from '../sim/fault-kinds/swarm.js';
import { plural } from './format.js';

const safe = (text: string): string => text.replace(/[^\w.-]+/g, '_');

export function campaignBaseName(result: Pick<CampaignResult, 'scenario' | 'mutant' | 'seeds' | 'swarm'>): string {
  const shard = result.seeds.shard;
  return [
    safe(result.scenario),
    result.mutant === undefined ? undefined : safe(result.mutant),
    result.swarm ? 'swarm' : undefined,
    `from-${result.seeds.from}`,
    shard === undefined ? undefined : `shard-${shard.index}-of-${shard.count}`,
  ]
    .filter(Boolean)
    .join('-');
}

export async function writeCampaign(result: CampaignResult, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${campaignBaseName(result)}.json`);
  await writeFile(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}

/** Writes the shrunk plan of a failure and returns its path and its replay command. */
export async function writeShrunkPlan(result: CampaignResult, failure: CampaignFailure, dir: string): Promise<{ path: string; replay: string } | undefined> {
  if (failure.shrunk === undefined) return undefined;
  await mkdir(dir, { recursive: true });
  const name = [safe(result.scenario), result.mutant && safe(result.mutant), failure.lock && safe(failure.lock), `seed-${failure.seed}`, 'shrunk'].filter(Boolean).join('-');
  const path = join(dir, `${name}.plan.json`);
  await writeFile(path, JSON.stringify(failure.shrunk.plan, null, 2) + '\n');
  const replay = replayCommand(result.scenarioReference ?? result.scenario, failure.seed, {
    params: failure.shrunk.params,
    planPath: path,
    ...(result.mutant === undefined ? {} : { mutant: result.mutant }),
    ...(failure.world === undefined ? {} : { start: failure.world.startMs, timeZone: failure.world.timeZone }),
    ...(result.tieOrder === undefined ? {} : { tieOrder: result.tieOrder }),
  });
  return { path, replay };
}

export function describeFailure(failure: CampaignFailure): string[] {
  const lines = [`✗ seed ${failure.seed}${failure.lock ? ` (lock ${failure.lock})` : ''}: ${failure.invariant}: ${failure.message}`];
  if (failure.swarmParams !== undefined && Object.keys(failure.swarmParams).length > 0) {
    lines.push(`  swarm parameters: ${Object.entries(failure.swarmParams).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ')}`);
  }
  if (failure.world !== undefined) lines.push(`  start: ${new Date(failure.world.startMs).toISOString()} in ${failure.world.timeZone}`);
  if (failure.swarm !== undefined) lines.push(`  swarm: ${formatSwarm(failure.swarm)}`);
  const original = failure.original.size;
  if (failure.shrunk !== undefined) {
    const shrunk = failure.shrunk.size;
    const params = Object.entries(shrunk.params)
      .filter(([name, value]) => original.params[name] !== value)
      .map(([name, value]) => `${name} ${original.params[name]} → ${value}`);
    lines.push(
      `  shrunk in ${plural(failure.shrunk.runs, 'run')} (${(failure.shrunk.wallMs / 1000).toFixed(1)} s): ${plural(original.faults, 'fault')} → ${shrunk.faults}` +
        `, magnitude ${original.magnitude} → ${shrunk.magnitude}${params.length > 0 ? ', ' + params.join(', ') : ''}`,
    );
  }
  lines.push(`  original: ${failure.replay}`);
  return lines;
}
