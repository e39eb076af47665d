/**
 * Writing what a campaign found: the campaign JSON, one plan file per shrunk failure, and the
 * lines that tell a person how to replay each one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CampaignFailure, CampaignResult } from '../scenario/fuzz.js';
import type { TriagedBug } from '../scenario/triage.js';
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

/** Writes each triaged bug's shrunk plan, and returns the bugs with their replay commands. */
export async function writeBugPlans(result: CampaignResult, dir: string): Promise<TriagedBug[]> {
  const bugs: TriagedBug[] = [];
  for (const [index, bug] of (result.bugs ?? []).entries()) {
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${campaignBaseName(result)}-bug-${index + 1}.plan.json`);
    await writeFile(path, JSON.stringify(bug.shrunk.plan, null, 2) + '\n');
    const replay = replayCommand(result.scenarioReference ?? result.scenario, bug.firstSeed, {
      params: bug.shrunk.params,
      planPath: path,
      ...(result.mutant === undefined ? {} : { mutant: result.mutant }),
    });
    bugs.push({ ...bug, replay });
  }
  return bugs;
}

/** The triage table: one row per distinct bug, then its first message and replay command. */
export function describeBugs(bugs: readonly TriagedBug[]): string[] {
  if (bugs.length === 0) return [];
  const lines = [`distinct bugs: ${bugs.length}`];
  const width = Math.max(...bugs.map((bug) => bug.signature.length), 'signature'.length);
  lines.push(`  ${'#'.padEnd(3)} ${'signature'.padEnd(width)}  ${'count'.padStart(5)}  ${'first seed'.padStart(10)}  shrunk plan`);
  for (const [index, bug] of bugs.entries()) {
    const plan = bug.shrunk.plan.length === 0 ? 'no faults' : bug.shrunk.plan.map((fault) => `${fault.kind}${fault.target === undefined ? '' : ' ' + fault.target}@${fault.at}`).join(', ');
    lines.push(`  ${String(index + 1).padEnd(3)} ${bug.signature.padEnd(width)}  ${String(bug.count).padStart(5)}  ${String(bug.firstSeed).padStart(10)}  ${plan}`);
  }
  for (const [index, bug] of bugs.entries()) {
    lines.push(`  bug ${index + 1}: ${bug.message}`);
    if (bug.replay !== undefined) lines.push(`    replay: ${bug.replay}`);
  }
  return lines;
}
