/**
 * The self-contained HTML report: one file that opens from disk with no network access. The page is
 * an empty shell, the data rides along as JSON, and the inlined script builds everything from it with
 * `textContent` and `createElement`, so no value from a run (a file name, an error message) can
 * become markup or code. A Content-Security-Policy that allows only the page's own script and style
 * (by hash) backs that up.
 */
import type { RunResult } from '../scenario/run.js';
import type { CampaignResult } from './campaign.js';
import { clientBundle } from './client-bundle.js';
import { contentSecurityPolicy, embedJson, escapeHtml } from './embed.js';
import { deriveFiles } from './files.js';
import { REPORT_DATA_ELEMENT_ID, type CampaignReportData, type ReportData, type RunReportData } from './report-data.js';
import { deriveTimeline } from './timeline.js';

/** The HTML report of one run: verdict, replay, invariants, timeline, locks, files and event log. */
export function renderRunReport(result: RunResult): string {
  const data: RunReportData = {
    kind: 'run',
    result,
    timeline: deriveTimeline(result.trace, result.epochMs, result.simulatedMs),
    files: deriveFiles(result.trace, result.epochMs),
  };
  const verdict = result.status === 'passed' ? 'passed' : result.status === 'violated' ? 'VIOLATED' : 'harness error';
  return page(`${result.scenario} seed ${result.seed}: ${verdict}`, data);
}

/** The HTML report of a fuzz campaign: throughput, fault kinds, and each failure with its shrunk plan. */
export function renderCampaignReport(campaign: CampaignResult): string {
  const verdict = campaign.status === 'passed' ? 'passed' : `${campaign.failures.length} failing`;
  const data: CampaignReportData = { kind: 'campaign', result: campaign };
  return page(`${campaign.scenario} campaign: ${verdict}`, data);
}

// One script for both kinds of page: it reads the data's `kind` and draws that view.
function page(title: string, data: ReportData): string {
  const { script, style } = clientBundle();
  // The inlined code is ours, never data; this only guards against a slip that would end the element early.
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error('report code must not contain a closing script or style tag');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(script, style))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="simrun">
<title>${escapeHtml(`simrun · ${title}`)}</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<main id="app"><noscript>This report draws itself with JavaScript; allow scripts for this file to see it.</noscript></main>
<footer>simrun report · one self-contained file: no network, no external resources</footer>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${embedJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
