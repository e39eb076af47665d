/**
 * Browser code for a campaign report: the verdict and throughput, which fault kinds fired and how
 * often in failing runs, and each failure with its original and shrunk plan, replay command and a
 * link to its run report.
 */
export const CAMPAIGN_SCRIPT = String.raw`
function renderCampaign(c) {
  var main = document.getElementById('app');
  main.appendChild(renderCampaignHeader(c));
  main.appendChild(renderFaultKinds(c));
  main.appendChild(renderFailures(c));
  if (c.lockDisagreements && c.lockDisagreements.length) main.appendChild(renderDisagreements(c));
}

function renderCampaignHeader(c) {
  var seeds = c.seeds || {};
  var facts = [
    ['Scenario', c.scenario],
    c.mutant !== undefined ? ['Mutant', c.mutant] : null,
    ['Runs', fmtNumber(c.runs)],
    ['Failures', fmtNumber(c.failures.length)],
    ['Throughput', (Math.round(c.runsPerSec * 10) / 10) + ' runs/s'],
    ['Real time', fmtDuration(c.wallMs)],
    ['Seeds', seeds.first !== undefined ? seeds.first + ' – ' + seeds.last : 'from ' + seeds.from],
    seeds.shard ? ['Shard', seeds.shard.index + ' of ' + seeds.shard.count] : null,
    ['Swarm', c.swarm ? 'on' : 'off'],
    c.locks && c.locks.length ? ['Lock backends', c.locks.join(', ')] : null,
  ].filter(Boolean);
  return h('section', { class: 'card', id: 'summary', 'data-testid': 'summary' }, [
    h('div', { class: 'banner' }, [
      h('span', { class: 'badge ' + c.status, id: 'verdict', 'data-testid': 'verdict', text: c.status === 'passed' ? 'PASSED' : 'FAILED' }),
      h('h1', { class: 'title', text: 'Fuzz campaign · ' + c.scenario }),
      h('span', { class: 'meta', text: c.failures.length + ' failing of ' + fmtNumber(c.runs) + ' runs' }),
    ]),
    h('dl', { class: 'facts' }, facts.map(function (f) { return h('div', null, [h('dt', { text: f[0] }), h('dd', { 'data-testid': 'fact-' + f[0].toLowerCase().replace(/ /g, '-'), text: f[1] })]); })),
  ]);
}

function renderFaultKinds(c) {
  var kinds = Object.keys(c.faultKinds).sort(function (a, b) { return c.faultKinds[b].fired - c.faultKinds[a].fired || a.localeCompare(b); });
  if (kinds.length === 0) return card('fault-kinds', 'Fault kinds', 'none fired', [h('p', { class: 'empty', text: 'No fault fired in any run.' })]);
  var maxFired = Math.max.apply(null, kinds.map(function (k) { return c.faultKinds[k].fired; }).concat([1]));
  var failing = Math.max(1, c.failures.length);
  return card('fault-kinds', 'Fault kinds', kinds.length + ' kinds fired', [h('table', { 'data-testid': 'fault-kinds-table' }, [
    h('thead', null, h('tr', null, [h('th', { text: 'kind' }), h('th', { class: 'num', text: 'fired' }), h('th', { text: '' }), h('th', { class: 'num', text: 'in failing runs' }), h('th', { text: '' })])),
    h('tbody', null, kinds.map(function (k) {
      var entry = c.faultKinds[k];
      var firedBar = h('span', { class: 'bar' }); firedBar.style.width = Math.max(2, Math.round(entry.fired / maxFired * 180)) + 'px';
      var failBar = h('span', { class: 'bar fail' }); failBar.style.width = Math.round(Math.min(1, entry.inFailingRuns / failing) * 120) + 'px';
      return h('tr', { 'data-testid': 'fault-kind-row', 'data-kind': k }, [
        h('td', { class: 'mono', text: k }), h('td', { class: 'num', text: fmtNumber(entry.fired) }), h('td', null, firedBar),
        h('td', { class: 'num', text: fmtNumber(entry.inFailingRuns) }), h('td', null, entry.inFailingRuns ? failBar : null),
      ]);
    })),
  ])]);
}

function renderFailures(c) {
  if (c.failures.length === 0) return card('failures', 'Failures', 'none', [h('p', { class: 'empty', text: 'Every run kept every invariant.' })]);
  var section = card('failures', 'Failures', c.failures.length + ', lowest seed first', []);
  c.failures.forEach(function (f) { section.appendChild(renderFailure(f)); });
  return section;
}

function renderFailure(f) {
  var invariants = f.invariants && f.invariants.length ? f.invariants : [f.invariant];
  var shrunk = f.shrunk;
  var sizeText = function (size) { return size ? size.faults + ' fault' + (size.faults === 1 ? '' : 's') + ', magnitude ' + fmtNumber(size.magnitude) : ''; };
  var children = [
    h('div', { class: 'head' }, [
      h('span', { class: 'seed', text: 'seed ' + f.seed }),
      f.lock ? h('span', { class: 'pill', text: 'lock ' + f.lock }) : null,
      h('span', { class: 'badge small ' + f.status, text: f.status === 'violated' ? 'VIOLATED' : 'HARNESS ERROR' }),
      invariants.map(function (name) { return h('span', { class: 'pill', 'data-testid': 'failure-invariant', text: name }); }),
      h('span', { class: 'spacer' }),
      reportLink(f.reportPath),
    ]),
    h('p', { class: 'message', 'data-testid': 'failure-message', text: f.message }),
    commandBlock('replay', f.replay, 'replay-' + f.seed + (f.lock ? '-' + f.lock : '')),
    f.shrunkReplay ? commandBlock('replay shrunk', f.shrunkReplay, 'replay-shrunk-' + f.seed + (f.lock ? '-' + f.lock : '')) : null,
    h('div', { class: 'grid2' }, [
      h('div', null, [h('h3', { text: 'Original plan' }), h('p', { class: 'shrink-note', text: sizeText(f.original.size) }), paramList(f.original.params), planTable(f.original.plan, 'original-plan')]),
      h('div', null, shrunk
        ? [h('h3', { text: 'Shrunk plan' }), h('p', { class: 'shrink-note', text: sizeText(shrunk.size) + (shrunk.runs !== undefined ? ' · ' + shrunk.runs + ' shrinking runs' : '') + (shrunk.wallMs !== undefined ? ' in ' + fmtDuration(shrunk.wallMs) : '') }), paramList(shrunk.params), planTable(shrunk.plan, 'shrunk-plan')]
        : [h('h3', { text: 'Shrunk plan' }), h('p', { class: 'empty', text: 'Not shrunk.' })]),
    ]),
  ];
  return h('div', { class: 'card failure', 'data-testid': 'failure', 'data-seed': f.seed }, children);
}

/** A link to a failure's run report; a path with a URL scheme (other than file:) stays plain text. */
function reportLink(path) {
  if (!path) return null;
  var scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(path);
  var safe = !scheme || scheme[1].toLowerCase() === 'file' || /^[a-zA-Z]:[\\/]/.test(path);
  if (!safe) return h('span', { class: 'mono', 'data-testid': 'failure-report', text: path });
  return h('a', { href: path, 'data-testid': 'failure-report', text: 'run report →' });
}

function renderDisagreements(c) {
  var backends = c.locks || [];
  return card('lock-disagreements', 'Backends disagree', c.lockDisagreements.length + ' seeds', [h('table', null, [
    h('thead', null, h('tr', null, [h('th', { text: 'seed' })].concat(backends.map(function (b) { return h('th', { text: b }); })))),
    h('tbody', null, c.lockDisagreements.map(function (d) {
      return h('tr', null, [h('td', { class: 'mono', text: d.seed })].concat(backends.map(function (b) { return h('td', { class: 'mono', text: d.verdicts[b] || '—' }); })));
    })),
  ])]);
}
`;
