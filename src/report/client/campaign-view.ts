/**
 * Browser code for a campaign report: the verdict and throughput, which fault kinds fired and how
 * often in failing runs, and each failure with its original and shrunk plan, replay command and a
 * link to its run report.
 */
import type { CampaignPlanSize, CampaignResult, CampaignFailure } from '../campaign.js';
import { card, commandBlock, fmtDuration, fmtNumber, h, paramList, planTable, plural } from './common.js';

export function renderCampaign(c: CampaignResult, main: HTMLElement): void {
  main.appendChild(renderCampaignHeader(c));
  main.appendChild(renderFaultKinds(c));
  main.appendChild(renderFailures(c));
  if (c.lockDisagreements?.length) main.appendChild(renderDisagreements(c));
}

function renderCampaignHeader(c: CampaignResult): HTMLElement {
  const seeds = c.seeds;
  const facts: [string, string][] = [
    ['Scenario', c.scenario],
    ...(c.mutant !== undefined ? [['Mutant', c.mutant] as [string, string]] : []),
    ['Runs', fmtNumber(c.runs)],
    ['Failures', fmtNumber(c.failures.length)],
    ['Throughput', `${Math.round(c.runsPerSec * 10) / 10} runs/s`],
    ['Real time', fmtDuration(c.wallMs)],
    ['Seeds', seeds.first !== undefined ? `${seeds.first} – ${seeds.last}` : `from ${seeds.from}`],
    ...(seeds.shard ? [['Shard', `${seeds.shard.index} of ${seeds.shard.count}`] as [string, string]] : []),
    ['Swarm', c.swarm ? 'on' : 'off'],
    ...(c.locks?.length ? [['Lock backends', c.locks.join(', ')] as [string, string]] : []),
  ];
  return h('section', { class: 'card', id: 'summary', 'data-testid': 'summary' }, [
    h('div', { class: 'banner' }, [
      h('span', { class: `badge ${c.status}`, id: 'verdict', 'data-testid': 'verdict', text: c.status === 'passed' ? 'PASSED' : 'FAILED' }),
      h('h1', { class: 'title', text: `Fuzz campaign · ${c.scenario}` }),
      h('span', { class: 'meta', text: `${c.failures.length} failing of ${fmtNumber(c.runs)} runs` }),
    ]),
    h(
      'dl',
      { class: 'facts' },
      facts.map(([term, value]) => h('div', null, [h('dt', { text: term }), h('dd', { 'data-testid': `fact-${term.toLowerCase().replace(/ /g, '-')}`, text: value })])),
    ),
  ]);
}

function renderFaultKinds(c: CampaignResult): HTMLElement {
  const entries = Object.entries(c.faultKinds).sort(([a, ea], [b, eb]) => eb.fired - ea.fired || a.localeCompare(b));
  if (entries.length === 0) return card('fault-kinds', 'Fault kinds', 'none fired', [h('p', { class: 'empty', text: 'No fault fired in any run.' })]);
  const maxFired = Math.max(1, ...entries.map(([, entry]) => entry.fired));
  const failing = Math.max(1, c.failures.length);
  return card('fault-kinds', 'Fault kinds', `${entries.length} kinds fired`, [
    h('table', { 'data-testid': 'fault-kinds-table' }, [
      h('thead', null, h('tr', null, [h('th', { text: 'kind' }), h('th', { class: 'num', text: 'fired' }), h('th', { text: '' }), h('th', { class: 'num', text: 'in failing runs' }), h('th', { text: '' })])),
      h(
        'tbody',
        null,
        entries.map(([kind, entry]) => {
          const firedBar = h('span', { class: 'bar' });
          firedBar.style.width = `${Math.max(2, Math.round((entry.fired / maxFired) * 180))}px`;
          const failBar = h('span', { class: 'bar fail' });
          failBar.style.width = `${Math.round(Math.min(1, entry.inFailingRuns / failing) * 120)}px`;
          return h('tr', { 'data-testid': 'fault-kind-row', 'data-kind': kind }, [
            h('td', { class: 'mono', text: kind }),
            h('td', { class: 'num', text: fmtNumber(entry.fired) }),
            h('td', null, firedBar),
            h('td', { class: 'num', text: fmtNumber(entry.inFailingRuns) }),
            h('td', null, entry.inFailingRuns ? failBar : null),
          ]);
        }),
      ),
    ]),
  ]);
}

function renderFailures(c: CampaignResult): HTMLElement {
  if (c.failures.length === 0) return card('failures', 'Failures', 'none', [h('p', { class: 'empty', text: 'Every run kept every invariant.' })]);
  return card(
    'failures',
    'Failures',
    `${c.failures.length}, lowest seed first`,
    c.failures.map((f) => renderFailure(f)),
  );
}

function sizeText(size: CampaignPlanSize | undefined): string {
  return size ? `${plural(size.faults, 'fault')}, magnitude ${fmtNumber(size.magnitude)}` : '';
}

function renderFailure(f: CampaignFailure): HTMLElement {
  const invariants = f.invariants?.length ? f.invariants : [f.invariant];
  const shrunk = f.shrunk;
  // Test ids stay unique when one seed fails under several lock backends.
  const idSuffix = `${f.seed}${f.lock ? `-${f.lock}` : ''}`;
  const shrunkNote = shrunk ? sizeText(shrunk.size) + (shrunk.runs !== undefined ? ` · ${shrunk.runs} shrinking runs` : '') + (shrunk.wallMs !== undefined ? ` in ${fmtDuration(shrunk.wallMs)}` : '') : '';
  return h('div', { class: 'card failure', 'data-testid': 'failure', 'data-seed': f.seed }, [
    h('div', { class: 'head' }, [
      h('span', { class: 'seed', text: `seed ${f.seed}` }),
      f.lock ? h('span', { class: 'pill', text: `lock ${f.lock}` }) : null,
      h('span', { class: `badge small ${f.status}`, text: f.status === 'violated' ? 'VIOLATED' : 'HARNESS ERROR' }),
      invariants.map((name) => h('span', { class: 'pill', 'data-testid': 'failure-invariant', text: name })),
      h('span', { class: 'spacer' }),
      reportLink(f.reportPath),
    ]),
    h('p', { class: 'message', 'data-testid': 'failure-message', text: f.message }),
    commandBlock('replay', f.replay, `replay-${idSuffix}`),
    f.shrunkReplay ? commandBlock('replay shrunk', f.shrunkReplay, `replay-shrunk-${idSuffix}`) : null,
    h('div', { class: 'grid2' }, [
      h('div', null, [h('h3', { text: 'Original plan' }), h('p', { class: 'shrink-note', text: sizeText(f.original.size) }), paramList(f.original.params), planTable(f.original.plan, 'original-plan')]),
      h(
        'div',
        null,
        shrunk
          ? [h('h3', { text: 'Shrunk plan' }), h('p', { class: 'shrink-note', text: shrunkNote }), paramList(shrunk.params), planTable(shrunk.plan, 'shrunk-plan')]
          : [h('h3', { text: 'Shrunk plan' }), h('p', { class: 'empty', text: 'Not shrunk.' })],
      ),
    ]),
  ]);
}

/** A link to a failure's run report; a path with a URL scheme (other than file:) stays plain text. */
function reportLink(path: string | undefined): HTMLElement | null {
  if (!path) return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(path);
  const safe = !scheme || scheme[1]?.toLowerCase() === 'file' || /^[a-zA-Z]:[\\/]/.test(path);
  if (!safe) return h('span', { class: 'mono', 'data-testid': 'failure-report', text: path });
  return h('a', { href: path, 'data-testid': 'failure-report', text: 'run report →' });
}

function renderDisagreements(c: CampaignResult): HTMLElement {
  const backends = c.locks ?? [];
  const disagreements = c.lockDisagreements ?? [];
  return card('lock-disagreements', 'Backends disagree', `${disagreements.length} seeds`, [
    h('table', null, [
      h('thead', null, h('tr', null, [h('th', { text: 'seed' }), backends.map((b) => h('th', { text: b }))])),
      h(
        'tbody',
        null,
        disagreements.map((d) => h('tr', null, [h('td', { class: 'mono', text: d.seed }), backends.map((b) => h('td', { class: 'mono', text: d.verdicts[b] || '—' }))])),
      ),
    ]),
  ]);
}
