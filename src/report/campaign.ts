/**
 * The campaign result an HTML campaign report renders: what `simrun fuzz` writes as JSON with
 * `format: 'simrun.campaign/1'`. Only the fields the report reads are required; everything a
 * campaign adds beyond them is kept in the file and ignored here.
 */
import type { Fault } from '../sim/faults.js';

export const CAMPAIGN_RESULT_FORMAT = 'simrun.campaign/1';

/** How big a plan is, for showing how far a failure shrank. */
export interface CampaignPlanSize {
  /** Number of faults in the plan. */
  readonly faults: number;
  /** Sum of every fault's magnitude fields (ms, ppm, counts). */
  readonly magnitude: number;
  /** The shrinkable parameters' values. */
  readonly params?: Readonly<Record<string, number>>;
}

/** One failing seed of a campaign, with its original plan and, when shrunk, the minimal one. */
export interface CampaignFailure {
  readonly seed: number;
  /** The lock backend the seed ran against, when the campaign compared backends. */
  readonly lock?: string;
  readonly status: 'violated' | 'harness-error';
  /** The first invariant the run broke (`harness` for a harness error). */
  readonly invariant: string;
  /** Every invariant the run broke, when more than one; `invariant` is the first. */
  readonly invariants?: readonly string[];
  /** The first violation's message, or the harness error's. */
  readonly message: string;
  readonly original: { readonly plan: readonly Fault[]; readonly params: Readonly<Record<string, unknown>>; readonly size?: CampaignPlanSize };
  readonly shrunk?: {
    readonly plan: readonly Fault[];
    readonly params: Readonly<Record<string, unknown>>;
    readonly size?: CampaignPlanSize;
    /** Scenario runs spent shrinking. */
    readonly runs?: number;
    readonly wallMs?: number;
    readonly traceHash?: string;
  };
  /** One command that replays the original failure. */
  readonly replay: string;
  /** One command that replays the shrunk failure (it needs the shrunk plan written to a file). */
  readonly shrunkReplay?: string;
  /** The HTML report of this failure's run, relative to the campaign report or absolute. */
  readonly reportPath?: string;
}

/** A whole campaign: many seeds of one scenario, how fast they ran, which faults fired, what failed. */
export interface CampaignResult {
  readonly format: typeof CAMPAIGN_RESULT_FORMAT;
  readonly scenario: string;
  readonly mutant?: string;
  readonly swarm: boolean;
  /** The seed space: where it started, which shard this was, the first and last seed run. */
  readonly seeds: { readonly from: number; readonly shard?: { readonly index: number; readonly count: number }; readonly first?: number; readonly last?: number };
  readonly locks?: readonly string[];
  readonly status: 'passed' | 'failed';
  /** Seed runs made (one per seed and lock backend). */
  readonly runs: number;
  /** Real time the campaign took, ms. */
  readonly wallMs: number;
  readonly runsPerSec: number;
  /** For each fault kind: how many times it fired, and in how many failing runs. */
  readonly faultKinds: Readonly<Record<string, { readonly fired: number; readonly inFailingRuns: number }>>;
  /** Lowest seed first. */
  readonly failures: readonly CampaignFailure[];
  /** With several lock backends: seeds whose verdict differed between them. */
  readonly lockDisagreements?: readonly { readonly seed: number; readonly verdicts: Readonly<Record<string, string>> }[];
}
