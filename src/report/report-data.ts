/**
 * What an HTML report page carries as JSON and its script reads: one contract, typed once. The Node
 * side builds it (`html.ts`) and the browser side (`client/`) reads it with these same types, so a
 * renamed field is a type error in the page's code, not a blank cell in a report.
 */
import type { RunResult } from '../scenario/run.js';
import type { CampaignResult } from './campaign.js';
import type { FileRow } from './files.js';
import type { TimelineModel } from './timeline.js';

export interface RunReportData {
  readonly kind: 'run';
  readonly result: RunResult;
  readonly timeline: TimelineModel;
  readonly files: readonly FileRow[];
}

export interface CampaignReportData {
  readonly kind: 'campaign';
  readonly result: CampaignResult;
}

export type ReportData = RunReportData | CampaignReportData;

/** The id of the `<script type="application/json">` element that holds the data. */
export const REPORT_DATA_ELEMENT_ID = 'simrun-data';
