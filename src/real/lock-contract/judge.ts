/**
 * `simrun lock-contract --real`: several OS processes contend for one key through the user's
 * backend (`contender.ts`), each logging its critical sections with the machine's clock; the log is
 * judged here. Real mode finds what simulation cannot: a backend whose "shared" state is not shared
 * between processes (an in-memory map), or that leans on something only one process sees.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The log of sections every contender appends to (small lines with O_APPEND: whole lines, never interleaved). */
export const SECTIONS_LOG = 'sections.log';
/** The directory under the run's directory that the backend is given as its own. */
export const STORE_DIR = 'store';

export interface SectionLine {
  readonly owner: string;
  readonly token: number;
  readonly edge: 'start' | 'end';
  readonly atMs: number;
}

export interface RealContractOptions {
  /** The module path, as the user gave it (resolved against the working directory by each contender). */
  readonly module: string;
  readonly processes: number;
  readonly durationMs: number;
  /** Lease length: far longer than a section, so a lease never lapses under a healthy holder. */
  readonly ttlMs?: number;
  readonly holdMs?: number;
}

export interface RealContractVerdict {
  readonly sections: number;
  readonly owners: number;
  /** Each broken rule with one line on what broke it. */
  readonly problems: readonly { readonly rule: string; readonly message: string }[];
}

interface Section {
  readonly owner: string;
  readonly token: number;
  readonly startMs: number;
  readonly endMs: number;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function runRealContract(options: RealContractOptions): Promise<RealContractVerdict> {
  const dir = await mkdtemp(join(tmpdir(), 'simrun-lock-contract-'));
  try {
    await mkdir(join(dir, STORE_DIR));
    const ttlMs = options.ttlMs ?? 5_000;
    const holdMs = options.holdMs ?? 10;
    const contender = join(here, 'contender.js');
    const exits = await Promise.all(
      Array.from({ length: options.processes }, (_, index) => runContender(contender, [options.module, dir, `contender-${index + 1}#1`, String(options.durationMs), String(ttlMs), String(holdMs)])),
    );
    const problems: { rule: string; message: string }[] = [];
    exits.forEach((exit, index) => {
      if (exit.code !== 0) problems.push({ rule: 'contenders-run', message: `contender-${index + 1} exited with ${exit.code}: ${exit.stderr.trim().split('\n')[0] ?? ''}` });
    });
    const text = await readFile(join(dir, SECTIONS_LOG), 'utf8').catch(() => '');
    const sections = sectionsOf(text);
    problems.push(...judgeSections(sections));
    if (sections.length === 0 && problems.length === 0) problems.push({ rule: 'real-progress', message: 'no contender ever held the key' });
    return { sections: sections.length, owners: new Set(sections.map((section) => section.owner)).size, problems };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runContender(script: string, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Pairs each section's start and end lines; a section never ended (its contender died) ends at the log's last instant. */
export function sectionsOf(text: string): Section[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as SectionLine);
  const lastMs = Math.max(0, ...lines.map((line) => line.atMs));
  const open = new Map<string, SectionLine>();
  const sections: Section[] = [];
  for (const line of lines) {
    const id = `${line.owner}/${line.token}`;
    if (line.edge === 'start') open.set(id, line);
    else {
      const start = open.get(id);
      open.delete(id);
      if (start !== undefined) sections.push({ owner: line.owner, token: line.token, startMs: start.atMs, endMs: line.atMs });
    }
  }
  for (const start of open.values()) sections.push({ owner: start.owner, token: start.token, startMs: start.atMs, endMs: lastMs });
  return sections.sort((a, b) => a.startMs - b.startMs || a.token - b.token);
}

/** Two rules: no two owners' sections overlap in time, and tokens grow with each new section. */
export function judgeSections(sections: readonly Section[]): { rule: string; message: string }[] {
  const problems: { rule: string; message: string }[] = [];
  // The section that ends last among those started so far: a later start before its end overlaps it.
  let holder = sections[0];
  for (let i = 1; i < sections.length; i += 1) {
    const before = sections[i - 1]!;
    const section = sections[i]!;
    if (holder !== undefined && section.owner !== holder.owner && section.startMs < holder.endMs && problems.every((problem) => problem.rule !== 'real-exclusion')) {
      problems.push({ rule: 'real-exclusion', message: `${section.owner} (token ${section.token}) entered at ${section.startMs} while ${holder.owner} (token ${holder.token}) held the key until ${holder.endMs}` });
    }
    if (holder === undefined || section.endMs > holder.endMs) holder = section;
    if (section.token <= before.token && problems.every((problem) => problem.rule !== 'real-tokens-increase')) {
      problems.push({ rule: 'real-tokens-increase', message: `${section.owner} got token ${section.token} after ${before.owner}'s ${before.token}` });
    }
  }
  return problems;
}
