/**
 * The report page's entry point: reads the embedded data and builds the run or campaign view. For a
 * run it wires the navigation every part shares: jumping to an event selects it in the log and brings
 * its moment into view on the timeline.
 *
 * esbuild bundles this module and everything it imports (the stylesheet included) into the one
 * script and one stylesheet that `html.ts` inlines into every page; see `client-bundle.ts`.
 */
import './styles.css';
import { REPORT_DATA_ELEMENT_ID, type ReportData, type RunReportData } from '../report-data.js';
import { renderCampaign } from './campaign-view.js';
import type { Navigator } from './common.js';
import { createEventLog, type EventLog } from './event-log.js';
import { renderFilesTable } from './files-table.js';
import { renderInvariants, renderRunHeader } from './run-summary.js';
import { createTimeline, type Timeline } from './timeline.js';

function renderRun(data: RunReportData, main: HTMLElement): void {
  const result = data.result;
  // The views jump through nav and nav moves the views: it finds them here once they are built.
  const views: { timeline?: Timeline; log?: EventLog } = {};
  const nav: Navigator = {
    jumpTo(seq, t, options = {}) {
      const { timeline, log } = views;
      const event = seq === undefined ? undefined : result.trace[seq];
      const at = t ?? (event === undefined ? undefined : event.t - result.epochMs);
      if (timeline && at !== undefined) timeline.focus(at, !!options.keepTimeline);
      if (log && seq !== undefined) log.reveal(seq, !options.keepLog);
      if (!options.keepTimeline && !options.keepLog && timeline) timeline.element.scrollIntoView({ block: 'start' });
    },
  };
  main.appendChild(renderRunHeader(result));
  main.appendChild(renderInvariants(result, nav));
  const timeline = createTimeline(data.timeline, result, nav);
  views.timeline = timeline;
  main.appendChild(timeline.element);
  if (data.files.length) main.appendChild(renderFilesTable(data.files, nav));
  const log = createEventLog(result, nav);
  views.log = log;
  main.appendChild(log.element);
  timeline.render();
  log.start();
}

function readReportData(): ReportData {
  const text = document.getElementById(REPORT_DATA_ELEMENT_ID)?.textContent;
  if (!text) throw new Error(`the report page has no #${REPORT_DATA_ELEMENT_ID} data`);
  return JSON.parse(text) as ReportData;
}

function start(): void {
  const data = readReportData();
  const main = document.getElementById('app');
  if (!main) throw new Error('the report page has no #app element');
  if (data.kind === 'run') renderRun(data, main);
  else renderCampaign(data.result, main);
  document.body.setAttribute('data-ready', 'true');
}

start();
