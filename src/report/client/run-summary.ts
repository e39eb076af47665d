/**
 * Browser code for the top of a run report: the verdict with everything needed to replay the run,
 * then each checked invariant with its violations, each linked to the moment it happened.
 */
import type { Violation } from '../../check/violation.js';
import type { RunResult, RunStatus } from '../../scenario/run.js';
import { card, commandBlock, fmtDuration, fmtNumber, fmtOffset, h, paramList, planTable, plural, type Navigator } from './common.js';

const VERDICTS: Readonly<Record<RunStatus, string>> = { passed: 'PASSED', violated: 'VIOLATED', 'harness-error': 'HARNESS ERROR' };

/** Violations listed under one invariant; the rest are counted. */
const LISTED_VIOLATIONS = 200;

export function renderRunHeader(result: RunResult): HTMLElement {
  const facts: [string, string][] = [
    ['Scenario', result.scenario],
    ['Seed', String(result.seed)],
    ...(result.mutant !== undefined ? [['Mutant', result.mutant] as [string, string]] : []),
    ['Outcome', result.status === 'harness-error' ? result.error.name : result.outcome],
    ['Trace events', fmtNumber(result.trace.length)],
    ['Driver steps', fmtNumber(result.events)],
    ['Simulated', `${fmtOffset(result.simulatedMs)} (${fmtDuration(result.simulatedMs)})`],
    ['Real time', fmtDuration(result.wallMs)],
    ['Fault plan', plural(result.plan.length, 'fault') + (result.planSource === 'file' ? ', from a file' : ', from the seed')],
    ['Epoch', new Date(result.epochMs).toISOString()],
  ];
  const verdict = VERDICTS[result.status] ?? String(result.status);
  return h('section', { class: 'card', id: 'summary', 'data-testid': 'summary' }, [
    h('div', { class: 'banner' }, [
      h('span', { class: `badge ${result.status}`, id: 'verdict', 'data-testid': 'verdict', text: verdict }),
      h('h1', { class: 'title', text: `${result.scenario} · seed ${result.seed}` }),
      h('span', { class: 'meta', text: result.violations.length ? plural(result.violations.length, 'violation') : '' }),
    ]),
    h(
      'dl',
      { class: 'facts' },
      facts.map(([term, value]) => h('div', null, [h('dt', { text: term }), h('dd', { text: value })])),
    ),
    commandBlock('replay', result.replay, 'replay-command'),
    h('div', { class: 'command' }, [h('span', { class: 'label', text: 'trace hash' }), h('code', { 'data-testid': 'trace-hash', text: result.traceHash })]),
    h('div', { class: 'grid2' }, [
      h('div', null, [h('h3', { text: 'Options' }), paramList(result.params), result.swarm ? h('div', null, [h('h3', { text: 'Swarm draw' }), h('code', { text: JSON.stringify(result.swarm) })]) : null]),
      h('div', null, [h('h3', { text: 'Fault plan' }), planTable(result.plan, 'fault-plan')]),
    ]),
  ]);
}

export function renderInvariants(result: RunResult, nav: Navigator): HTMLElement {
  const byName = new Map<string, Violation[]>();
  for (const v of result.violations) {
    const list = byName.get(v.invariant);
    if (list) list.push(v);
    else byName.set(v.invariant, [v]);
  }
  const invariants = [...result.invariants];
  // A violation of an invariant the list does not name still shows.
  for (const name of byName.keys()) if (!invariants.some((inv) => inv.name === name)) invariants.push({ name, description: '' });
  const rows: HTMLElement[] = [];
  if (result.status === 'harness-error') {
    rows.push(h('div', { class: 'error-box', 'data-testid': 'harness-error' }, [h('strong', { text: `${result.error.name}: ` }), result.error.message]));
  }
  for (const inv of invariants) {
    const violations = byName.get(inv.name) ?? [];
    const failed = violations.length > 0;
    rows.push(
      h('div', { class: `invariant ${failed ? 'failed' : 'passed'}`, 'data-testid': 'invariant', 'data-status': failed ? 'failed' : 'passed', 'data-name': inv.name }, [
        h('span', { class: 'icon', text: failed ? '✗' : '✓' }),
        h('span', { class: 'name', text: inv.name }),
        h('span', { class: 'desc', text: inv.description }),
        failed ? h('span', { class: 'count', text: plural(violations.length, 'violation') }) : null,
      ]),
    );
    if (failed) {
      rows.push(
        h('ul', { class: 'violations' }, [
          violations.slice(0, LISTED_VIOLATIONS).map((v) => h('li', null, violationButton(v, result, nav))),
          violations.length > LISTED_VIOLATIONS ? h('li', { class: 'empty', text: `... and ${violations.length - LISTED_VIOLATIONS} more` }) : null,
        ]),
      );
    }
  }
  return card('invariants', 'Invariants', `${invariants.length} checked, ${byName.size} failed`, rows);
}

/** When a violation happened, in virtual ms past the epoch: its own time, else its event's; undefined for end-of-run checks. */
export function violationTime(v: Violation, result: RunResult): number | undefined {
  if (v.atMs !== undefined) return v.atMs - result.epochMs;
  const event = v.eventSeq === undefined ? undefined : result.trace[v.eventSeq];
  return event === undefined ? undefined : event.t - result.epochMs;
}

function violationButton(v: Violation, result: RunResult, nav: Navigator): HTMLElement {
  const at = violationTime(v, result);
  const parts = [
    h('span', { class: 'when', text: at === undefined ? 'at the end' : fmtOffset(at) }),
    v.pid ? h('span', { class: 'who', text: v.pid }) : null,
    h('span', { class: 'what', text: v.message }),
  ];
  if (at === undefined) return h('div', { class: 'violation static button-like', 'data-testid': 'violation' }, parts);
  return h('button', { type: 'button', class: 'violation', 'data-testid': 'violation', 'data-seq': v.eventSeq, onclick: () => nav.jumpTo(v.eventSeq, at) }, parts);
}
