/**
 * Browser code that starts a page: reads the embedded data and builds the run or campaign view. For a
 * run it wires the navigation every part shares: jumping to an event selects it in the log and brings
 * its moment into view on the timeline.
 */
export const BOOTSTRAP_SCRIPT = String.raw`
function renderRun(data) {
  var result = data.result;
  var main = document.getElementById('app');
  var timeline = null, log = null;
  var nav = {
    jumpTo: function (seq, t, options) {
      options = options || {};
      if (t === undefined && seq !== undefined && result.trace[seq]) t = result.trace[seq].t - result.epochMs;
      if (timeline && t !== undefined) timeline.focus(t, !!options.keepTimeline);
      if (log && seq !== undefined) log.reveal(seq, !options.keepLog);
      if (!options.keepTimeline && !options.keepLog && timeline) timeline.element.scrollIntoView({ block: 'start' });
    },
  };
  main.appendChild(renderRunHeader(result));
  main.appendChild(renderInvariants(result, nav));
  timeline = createTimeline(data.timeline, result, nav);
  main.appendChild(timeline.element);
  if (data.files.length) main.appendChild(renderFilesTable(data.files, nav));
  log = createEventLog(result, nav);
  main.appendChild(log.element);
  timeline.render();
  log.start();
}

(function start() {
  var data = readReportData();
  if (data.kind === 'run') renderRun(data);
  else renderCampaign(data.result);
  document.body.setAttribute('data-ready', 'true');
})();
`;
