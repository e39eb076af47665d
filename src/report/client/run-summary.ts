/**
 * Browser code for the top of a run report: the verdict with everything needed to replay the run,
 * then each checked invariant with its violations, each linked to the moment it happened.
 */
export const RUN_SUMMARY_SCRIPT = String.raw`
var VERDICTS = { passed: 'PASSED', violated: 'VIOLATED', 'harness-error': 'HARNESS ERROR' };

function renderRunHeader(result) {
  var facts = [
    ['Scenario', result.scenario],
    ['Seed', String(result.seed)],
    result.mutant !== undefined ? ['Mutant', result.mutant] : null,
    ['Outcome', result.status === 'harness-error' ? result.error.name : result.outcome],
    ['Trace events', fmtNumber(result.trace.length)],
    ['Driver steps', fmtNumber(result.events)],
    ['Simulated', fmtOffset(result.simulatedMs) + ' (' + fmtDuration(result.simulatedMs) + ')'],
    ['Real time', fmtDuration(result.wallMs)],
    ['Fault plan', result.plan.length + ' fault' + (result.plan.length === 1 ? '' : 's') + (result.planSource === 'file' ? ', from a file' : ', from the seed')],
    ['Epoch', new Date(result.epochMs).toISOString()],
  ].filter(Boolean);
  var verdict = VERDICTS[result.status] || String(result.status);
  var children = [
    h('div', { class: 'banner' }, [
      h('span', { class: 'badge ' + result.status, id: 'verdict', 'data-testid': 'verdict', text: verdict }),
      h('h1', { class: 'title', text: result.scenario + ' · seed ' + result.seed }),
      h('span', { class: 'meta', text: result.violations.length ? result.violations.length + ' violation' + (result.violations.length === 1 ? '' : 's') : '' }),
    ]),
    h('dl', { class: 'facts' }, facts.map(function (f) { return h('div', null, [h('dt', { text: f[0] }), h('dd', { text: f[1] })]); })),
    commandBlock('replay', result.replay, 'replay-command'),
    h('div', { class: 'command' }, [h('span', { class: 'label', text: 'trace hash' }), h('code', { 'data-testid': 'trace-hash', text: result.traceHash })]),
    h('div', { class: 'grid2' }, [
      h('div', null, [h('h3', { text: 'Options' }), paramList(result.params), result.swarm ? h('div', null, [h('h3', { text: 'Swarm draw' }), h('code', { text: JSON.stringify(result.swarm) })]) : null]),
      h('div', null, [h('h3', { text: 'Fault plan' }), planTable(result.plan, 'fault-plan')]),
    ]),
  ];
  return h('section', { class: 'card', id: 'summary', 'data-testid': 'summary' }, children);
}

function renderInvariants(result, nav) {
  var byName = {};
  result.violations.forEach(function (v) { (byName[v.invariant] = byName[v.invariant] || []).push(v); });
  var known = result.invariants.map(function (i) { return i.name; });
  // A violation of an invariant the list does not name still shows.
  Object.keys(byName).forEach(function (name) { if (known.indexOf(name) < 0) result.invariants.push({ name: name, description: '' }); });
  var rows = [];
  if (result.status === 'harness-error') {
    rows.push(h('div', { class: 'error-box', 'data-testid': 'harness-error' }, [h('strong', { text: result.error.name + ': ' }), result.error.message]));
  }
  result.invariants.forEach(function (inv) {
    var violations = byName[inv.name] || [];
    var failed = violations.length > 0;
    rows.push(h('div', { class: 'invariant ' + (failed ? 'failed' : 'passed'), 'data-testid': 'invariant', 'data-status': failed ? 'failed' : 'passed', 'data-name': inv.name }, [
      h('span', { class: 'icon', text: failed ? '✗' : '✓' }),
      h('span', { class: 'name', text: inv.name }),
      h('span', { class: 'desc', text: inv.description }),
      failed ? h('span', { class: 'count', text: violations.length + ' violation' + (violations.length === 1 ? '' : 's') }) : null,
    ]));
    if (failed) rows.push(h('ul', { class: 'violations' }, violations.slice(0, 200).map(function (v) { return h('li', null, violationButton(v, result, nav)); })
      .concat(violations.length > 200 ? [h('li', { class: 'empty', text: '... and ' + (violations.length - 200) + ' more' })] : [])));
  });
  var failedCount = Object.keys(byName).length;
  return card('invariants', 'Invariants', result.invariants.length + ' checked, ' + failedCount + ' failed', rows);
}

function violationButton(v, result, nav) {
  var at = v.atMs !== undefined ? v.atMs - result.epochMs : (v.eventSeq !== undefined && result.trace[v.eventSeq] ? result.trace[v.eventSeq].t - result.epochMs : undefined);
  var parts = [
    h('span', { class: 'when', text: at === undefined ? 'at the end' : fmtOffset(at) }),
    v.pid ? h('span', { class: 'who', text: v.pid }) : null,
    h('span', { class: 'what', text: v.message }),
  ];
  if (at === undefined) return h('div', { class: 'violation static button-like', 'data-testid': 'violation' }, parts);
  return h('button', { type: 'button', class: 'violation', 'data-testid': 'violation', 'data-seq': v.eventSeq, onclick: function () { nav.jumpTo(v.eventSeq, at); } }, parts);
}
`;
