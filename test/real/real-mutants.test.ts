/**
 * The real bucket and cron-leader mutants: each caught by its real campaign (exit 1, the layered
 * invariant named), and the catalogue `simrun mutants --check` runs has one per real system.
 *
 * No catch waits on the nemesis: `commit-without-fence` skips the fence on every commit, three
 * workers polling one directory have claims refused from the first drops on (and
 * `work-on-refused-claim` works on each), and a `run-when-refused` server runs the command on every
 * tick another server holds, so the first run shows it whatever the machine's speed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommitThroughFence, claimFactsOf } from '../../src/check/bucket/index.js';
import { ownersAsIncarnations } from '../../src/real/campaign/bucket.js';
import { REAL_MUTANTS } from '../../src/real/campaign/real-mutants.js';
import { eventsOfLog, mergeByTime } from '../../src/real/campaign/trace.js';
import { simrunAsync, type CampaignJson } from './real-cli.js';

/** One correct commit as a worker writes it: it names itself by OS pid in its fence verdicts. */
const CORRECT_WORKER_LOG = [
  { t: 10, kind: 'bucket.claim', data: { file: 'a.txt', token: 3 } },
  { t: 11, kind: 'bucket.fence', data: { key: 'a.txt', token: 3, owner: 'worker-4242', outcome: 'accepted', highestBefore: 0, startSeq: 11, endSeq: 11, startMs: 11, endMs: 11 } },
  { t: 20, kind: 'bucket.commit.begin', data: { file: 'a.txt', token: 3 } },
  { t: 21, kind: 'bucket.fence', data: { key: 'a.txt', token: 3, owner: 'worker-4242', outcome: 'accepted', highestBefore: 3, startSeq: 21, endSeq: 21, startMs: 21, endMs: 21 } },
  { t: 22, kind: 'bucket.commit', data: { file: 'a.txt', token: 3, minutes: 5 } },
]
  .map((event) => JSON.stringify({ ...event, pid: 'worker-4242' }))
  .join('\n');

describe('the real bucket trace', () => {
  it("gives each fence verdict to the incarnation that wrote it, so a correct worker's commit is seen going through the fence", () => {
    const trace = mergeByTime([eventsOfLog('worker-2#1', CORRECT_WORKER_LOG, 0)]);
    // As written, the verdicts name the OS pid and the commit the incarnation: they cannot be matched.
    expect(checkCommitThroughFence(claimFactsOf(trace))).toHaveLength(1);
    expect(checkCommitThroughFence(claimFactsOf(ownersAsIncarnations(trace)))).toEqual([]);
  });

  it('still catches a commit whose second fence pass is missing', () => {
    const skipped = CORRECT_WORKER_LOG.split('\n').filter((_line, index) => index !== 3).join('\n');
    const violations = checkCommitThroughFence(claimFactsOf(ownersAsIncarnations(mergeByTime([eventsOfLog('worker-2#1', skipped, 0)]))));
    expect(violations.map((violation) => violation.message)).toEqual(['worker-2#1 committed a.txt with token 3 without the fence admitting that token for this commit']);
  });
});

describe('the real mutant catalogue', () => {
  it('has a mutant for every real system', () => {
    expect(new Set(REAL_MUTANTS.map((entry) => entry.scenario))).toEqual(
      new Set(['real lock', 'real client-jobs', 'real job-runner', 'real dag', 'real bucket', 'real cron-leader']),
    );
    for (const entry of REAL_MUTANTS) expect(entry.description.length).toBeGreaterThan(0);
  });
});

describe('real mutants of the bucket and the cron leader', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-real-mutants-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  // The three run at once: each campaign mostly waits on its real processes, in its own directory and store.
  it.concurrent('bucket commit-without-fence: commit-through-fence catches the first commit (exit 1)', async ({ expect }) => {
    const run = await simrunAsync(['real', 'bucket', '--runs', '1', '--seed', '1', '--files', '6', '--mutant', 'commit-without-fence', '--out-dir', join(dir, 'bucket'), '--json']);
    expect(run.status, run.stdout).toBe(1);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.status).toBe('violated');
    expect(result.failure?.violations[0]?.invariant).toBe('commit-through-fence');
    expect(result.failure?.violations[0]?.message).toMatch(/^worker-\d#\d+ committed \S+ with token \d+ without the fence admitting that token for this commit$/);
  }, 120_000);

  it.concurrent('bucket work-on-refused-claim: refused-claim-not-worked catches a worker working on a claim the store refused (exit 1)', async ({ expect }) => {
    const run = await simrunAsync(['real', 'bucket', '--runs', '1', '--seed', '1', '--mutant', 'work-on-refused-claim', '--out-dir', join(dir, 'bucket-refused'), '--json']);
    expect(run.status, run.stdout).toBe(1);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.failure?.violations.map((violation) => violation.invariant)).toContain('refused-claim-not-worked');
    expect(result.failure?.violations.find((violation) => violation.invariant === 'refused-claim-not-worked')?.message).toMatch(
      /^worker-\d#\d+ started work on \S+ \(token 0\) after the store refused its claim, with no grant since$/,
    );
  }, 120_000);

  it.concurrent('cron-leader run-when-refused: command-by-leader catches a refused server running the command (exit 1)', async ({ expect }) => {
    const run = await simrunAsync(['real', 'cron-leader', '--runs', '1', '--seed', '1', '--servers', '2', '--mutant', 'run-when-refused', '--out-dir', join(dir, 'cron'), '--json']);
    expect(run.status, run.stdout).toBe(1);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.status).toBe('violated');
    const invariants = new Set(result.failure?.violations.map((violation) => violation.invariant));
    expect(invariants).toContain('command-by-leader');
    expect(result.failure?.violations.find((violation) => violation.invariant === 'command-by-leader')?.message).toMatch(
      /^server-\d#\d+ ran the command of 'real-task' for tick \S+ without holding the lock for it$/,
    );
  }, 120_000);
});
