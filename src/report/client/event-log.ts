/**
 * Browser code for the event log: every trace event, filterable by process, kind and text, with the
 * events violations point at highlighted. Rows have one fixed height and only the rows in view (plus
 * a margin) exist in the page, so a hundred thousand events scroll as smoothly as a hundred.
 */
import type { RunResult } from '../../scenario/run.js';
import { card, fmtNumber, fmtOffset, h, type Navigator } from './common.js';

const LOG_ROW_H = 22;
const LOG_OVERSCAN = 12;
/** How long typing must pause before the search filters a large trace again. */
const SEARCH_DEBOUNCE_MS = 160;

export interface EventLog {
  readonly element: HTMLElement;
  /** Applies the (empty) filters and draws the first rows. */
  start(): void;
  /** Selects an event and, when asked, scrolls it to the middle; clears filters that hide it. */
  reveal(seq: number, scroll: boolean): void;
}

export function createEventLog(result: RunResult, nav: Navigator): EventLog {
  const trace = result.trace;
  const epoch = result.epochMs;
  const violating = new Map<number, string>();
  for (const v of result.violations) if (v.eventSeq !== undefined) violating.set(v.eventSeq, `${v.invariant}: ${v.message}`);
  const pidCounts = new Map<string, number>();
  const kindCounts = new Map<string, number>();
  for (const e of trace) {
    pidCounts.set(e.pid, (pidCounts.get(e.pid) ?? 0) + 1);
    kindCounts.set(e.kind, (kindCounts.get(e.kind) ?? 0) + 1);
  }
  // Serialising every event's data up front would stall a large trace's first paint: each is made once, when first needed.
  const dataText: (string | undefined)[] = new Array<string | undefined>(trace.length);
  const textOf = (i: number): string => {
    let cached = dataText[i];
    if (cached === undefined) {
      const data = trace[i]?.data;
      cached = data === undefined ? '' : JSON.stringify(data);
      dataText[i] = cached;
    }
    return cached;
  };

  const pidSelect = h('select', { 'data-testid': 'log-filter-pid', 'aria-label': 'process' }, [
    h('option', { value: '', text: 'all processes' }),
    [...pidCounts.keys()].sort(comparePid).map((p) => h('option', { value: p, text: `${p}  (${pidCounts.get(p)})` })),
  ]);
  const kindSelect = h('select', { 'data-testid': 'log-filter-kind', 'aria-label': 'kind' }, [
    h('option', { value: '', text: 'all kinds' }),
    kindGroups(kindCounts).map((k) => h('option', { value: k.value, text: k.label })),
  ]);
  const search = h('input', { type: 'search', placeholder: 'search data…', 'data-testid': 'log-search', 'aria-label': 'search' });
  const onlyViolations = h('input', { type: 'checkbox', 'data-testid': 'log-only-violations' });
  const countEl = h('span', { class: 'count', 'data-testid': 'log-count' });
  const spacer = h('div', { class: 'log-spacer' });
  const viewport = h('div', { class: 'log-viewport', 'data-testid': 'event-log', tabindex: '0' }, spacer);
  const head = h(
    'div',
    { class: 'log-head' },
    ['seq', 'time', 'process', 'kind', 'data'].map((c) => h('span', { text: c })),
  );

  /** Trace indexes of the rows that pass the filters, in order; the first rowCount entries count. */
  const rows = new Int32Array(trace.length);
  let rowCount = 0;
  let selected: number | null = null;
  let drawn = { first: -1, last: -1 };

  function applyFilter(): void {
    const pid = pidSelect.value;
    const kind = kindSelect.value;
    const text = search.value.trim().toLowerCase();
    const onlyV = onlyViolations.checked;
    const prefix = kind.endsWith('.*') ? kind.slice(0, -1) : null;
    rowCount = 0;
    trace.forEach((e, i) => {
      if (pid && e.pid !== pid) return;
      if (kind && (prefix ? !e.kind.startsWith(prefix) : e.kind !== kind)) return;
      if (onlyV && !violating.has(e.seq)) return;
      if (text && !`${e.kind} ${e.pid} ${textOf(i)}`.toLowerCase().includes(text)) return;
      rows[rowCount++] = i;
    });
    spacer.style.height = `${rowCount * LOG_ROW_H}px`;
    countEl.textContent = `${fmtNumber(rowCount)} of ${fmtNumber(trace.length)} events`;
    redraw();
  }

  function redraw(): void {
    drawn = { first: -1, last: -1 };
    draw();
  }

  function draw(): void {
    const first = Math.max(0, Math.floor(viewport.scrollTop / LOG_ROW_H) - LOG_OVERSCAN);
    const last = Math.min(rowCount, Math.ceil((viewport.scrollTop + viewport.clientHeight) / LOG_ROW_H) + LOG_OVERSCAN);
    if (first === drawn.first && last === drawn.last) return;
    drawn = { first, last };
    spacer.replaceChildren();
    for (let r = first; r < last; r++) spacer.appendChild(rowElement(r));
  }

  function rowElement(r: number): HTMLElement {
    const i = rows[r] ?? 0;
    const e = trace[i];
    if (e === undefined) throw new Error(`event log row ${r} points past the trace`);
    const violation = violating.get(e.seq);
    const cls = `log-row${violation !== undefined ? ' violating' : ''}${selected === e.seq ? ' selected' : ''}`;
    const family = e.kind.split('.')[0];
    const row = h('div', { class: cls, 'data-seq': e.seq, 'data-testid': 'log-row' }, [
      h('span', { class: 'seq', text: e.seq }),
      h('span', { class: 't', text: fmtOffset(e.t - epoch) }),
      h('span', { class: 'pid', text: e.pid }),
      h('span', { class: `kind k-${family}`, text: e.kind }),
      h('span', { class: 'data', text: textOf(i).slice(0, 400) }),
    ]);
    row.style.top = `${r * LOG_ROW_H}px`;
    const tip = violation !== undefined ? `VIOLATION ${violation}\n` : '';
    row.setAttribute('title', `${tip}${e.kind} ${textOf(i).slice(0, 2000)}`);
    row.addEventListener('click', () => nav.jumpTo(e.seq, e.t - epoch, { keepLog: true }));
    return row;
  }

  let pending = false;
  viewport.addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  });
  for (const el of [pidSelect, kindSelect, onlyViolations]) el.addEventListener('change', applyFilter);
  let debounce: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(applyFilter, SEARCH_DEBOUNCE_MS);
  });

  /** The trace index of the event numbered seq (events are numbered by position, so usually seq itself). */
  function indexOfSeq(seq: number): number {
    if (trace[seq]?.seq === seq) return seq;
    return trace.findIndex((e) => e.seq === seq);
  }

  /** The row showing trace index `index`, or -1 when the filters hide it. */
  function rowOf(index: number): number {
    let lo = 0;
    let hi = rowCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = rows[mid] ?? 0;
      if (at === index) return mid;
      if (at < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  const toolbar = h('div', { class: 'toolbar' }, [pidSelect, kindSelect, search, h('label', { class: 'check' }, [onlyViolations, 'violations only']), h('span', { class: 'spacer' }), countEl]);
  return {
    element: card('event-log-card', 'Event log', `${fmtNumber(trace.length)} events`, [toolbar, head, viewport]),
    start: applyFilter,
    reveal(seq, scroll) {
      selected = seq;
      const index = indexOfSeq(seq);
      if (index < 0) {
        redraw();
        return;
      }
      let r = rowOf(index);
      if (r < 0) {
        pidSelect.value = '';
        kindSelect.value = '';
        search.value = '';
        onlyViolations.checked = false;
        applyFilter();
        r = rowOf(index);
      }
      if (scroll) viewport.scrollTop = Math.max(0, r * LOG_ROW_H - viewport.clientHeight / 2 + LOG_ROW_H / 2);
      redraw();
    },
  };
}

/** Kinds for the filter: each family (lock.*) first when it has several kinds, then every kind. */
function kindGroups(kindCounts: ReadonlyMap<string, number>): { value: string; label: string }[] {
  const families = new Map<string, string[]>();
  for (const k of [...kindCounts.keys()].sort()) {
    const family = k.split('.')[0] ?? k;
    const members = families.get(family);
    if (members) members.push(k);
    else families.set(family, [k]);
  }
  const out: { value: string; label: string }[] = [];
  for (const family of [...families.keys()].sort()) {
    const members = families.get(family) ?? [];
    const count = (k: string): number => kindCounts.get(k) ?? 0;
    if (members.length > 1) out.push({ value: `${family}.*`, label: `${family}.*  (${members.reduce((n, k) => n + count(k), 0)})` });
    for (const k of members) out.push({ value: k, label: `${members.length > 1 ? '  ' : ''}${k}  (${count(k)})` });
  }
  return out;
}

function comparePid(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
