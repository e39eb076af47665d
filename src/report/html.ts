/**
 * The self-contained HTML report: one file that opens from disk with no network access. The page is
 * an empty shell, the data rides along as JSON, and the inlined script builds everything from it with
 * `textContent` and `createElement`, so no value from a run (a file name, an error message) can
 * become markup or code. A Content-Security-Policy that allows only the page's own script and style
 * (by hash) backs that up.
 */
import type { RunResult } from '../scenario/run.js';
import type { CampaignResult } from './campaign.js';
import { BOOTSTRAP_SCRIPT } from './client/bootstrap.js';
import { CAMPAIGN_SCRIPT } from './client/campaign-view.js';
import { COMMON_SCRIPT } from './client/common.js';
import { EVENT_LOG_SCRIPT } from './client/event-log.js';
import { FILES_TABLE_SCRIPT } from './client/files-table.js';
import { RUN_SUMMARY_SCRIPT } from './client/run-summary.js';
import { REPORT_CSS } from './client/styles.js';
import { TIMELINE_SCRIPT } from './client/timeline.js';
import { contentSecurityPolicy, embedJson, escapeHtml } from './embed.js';
import { deriveFiles } from './files.js';
import { deriveTimeline } from './timeline.js';

/** The HTML report of one run: verdict, replay, invariants, timeline, locks, files and event log. */
export function renderRunReport(result: RunResult): string {
  const data = {
    kind: 'run',
    result,
    timeline: deriveTimeline(result.trace, result.epochMs, result.simulatedMs),
    files: deriveFiles(result.trace, result.epochMs),
  };
  const verdict = result.status === 'passed' ? 'passed' : result.status === 'violated' ? 'VIOLATED' : 'harness error';
  return page(`${result.scenario} seed ${result.seed}: ${verdict}`, data, [COMMON_SCRIPT, RUN_SUMMARY_SCRIPT, TIMELINE_SCRIPT, FILES_TABLE_SCRIPT, EVENT_LOG_SCRIPT, CAMPAIGN_STUB, BOOTSTRAP_SCRIPT]);
}

/** The HTML report of a fuzz campaign: throughput, fault kinds, and each failure with its shrunk plan. */
export function renderCampaignReport(campaign: CampaignResult): string {
  const verdict = campaign.status === 'passed' ? 'passed' : `${campaign.failures.length} failing`;
  return page(`${campaign.scenario} campaign: ${verdict}`, { kind: 'campaign', result: campaign }, [COMMON_SCRIPT, CAMPAIGN_SCRIPT, RUN_STUB, BOOTSTRAP_SCRIPT]);
}

// Each page carries only the views it shows; the bootstrap names both, so the other is a no-op.
const CAMPAIGN_STUB = 'function renderCampaign() {}\n';
const RUN_STUB = 'function renderRun() {}\n';

function page(title: string, data: unknown, scripts: readonly string[]): string {
  const script = `(function () {\n'use strict';\n${scripts.join('\n')}\n})();\n`;
  const style = REPORT_CSS;
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
<script type="application/json" id="simrun-data">${embedJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
