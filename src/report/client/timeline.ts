/**
 * Browser code for the swimlane timeline: one lane per process incarnation and one per lock key over
 * virtual time, with zoom (wheel, buttons) and pan (drag, shift+wheel). Only what is in view is drawn,
 * and spans or marks narrower than a pixel column are merged into one, so a run with a hundred thousand
 * events draws a few thousand shapes at most.
 */
import type { RunResult } from '../../scenario/run.js';
import type { LockLane, MarkKind, ProcessLane, TimelineMark, TimelineModel, TimelineSpan } from '../timeline.js';
import { card, fmtDuration, fmtOffset, h, plural, s, titled, type Navigator } from './common.js';
import { violationTime } from './run-summary.js';

/** Layout in pixels, and the narrowest view in virtual ms. */
const TL = { labelW: 168, axisH: 28, laneH: 32, lockRowH: 16, groupH: 22, padR: 14, minSpanMs: 5 };
const TICK_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000, 172800000, 604800000];
/** When several marks share a pixel column, the highest rank is drawn. */
const MARK_RANK: Readonly<Record<MarkKind, number>> = { crash: 8, error: 8, fault: 7, 'lock-lost': 6, 'lock-error': 5, restart: 4, start: 3, exit: 2, skew: 1, 'lock-timeout': 0 };

type Row =
  | { readonly type: 'faults'; readonly label: string; readonly title: string; readonly marks: readonly TimelineMark[]; readonly h: number }
  | { readonly type: 'group'; readonly label: string; readonly h: number }
  | {
      readonly type: 'process';
      readonly label: string;
      readonly title: string;
      readonly lane: ProcessLane;
      readonly paused: readonly TimelineSpan[];
      readonly activities: readonly TimelineSpan[];
      readonly locks: readonly TimelineSpan[];
      readonly h: number;
    }
  | { readonly type: 'lock'; readonly label: string; readonly title: string; readonly lock: LockLane; readonly h: number };

export interface Timeline {
  readonly element: HTMLElement;
  render(): void;
  /** Marks t and brings it into view, zooming in when the whole run is shown; keepView only marks it. */
  focus(t: number, keepView: boolean): void;
}

export function createTimeline(model: TimelineModel, result: RunResult, nav: Navigator): Timeline {
  const violations = result.violations.flatMap((v) => {
    const t = violationTime(v, result);
    return t === undefined ? [] : [{ v, t }];
  });
  const full: readonly [number, number] = [model.startMs, Math.max(model.endMs, model.startMs + TL.minSpanMs)];
  const view = { start: full[0], end: full[1] };
  let cursor: number | null = null;
  const rows = layoutRows(model);
  const height = rows.reduce((y, r) => y + r.h, TL.axisH) + 4;

  const svgEl = s('svg', { height, 'data-testid': 'timeline-svg', role: 'img', 'aria-label': 'swimlane timeline' });
  const wrap = h('div', { class: 'timeline-wrap', 'data-testid': 'timeline' }, svgEl);
  const rangeEl = h('span', { class: 'range', id: 'time-range', 'data-testid': 'time-range' });
  const toolbar = h('div', { class: 'toolbar' }, [
    h('button', { type: 'button', 'data-testid': 'zoom-in', title: 'Zoom in', text: '+ Zoom in', onclick: () => zoomBy(0.5) }),
    h('button', { type: 'button', 'data-testid': 'zoom-out', title: 'Zoom out', text: '- Zoom out', onclick: () => zoomBy(2) }),
    h('button', { type: 'button', 'data-testid': 'zoom-reset', title: 'Show the whole run', text: 'Fit', onclick: () => setView(full[0], full[1]) }),
    h('button', { type: 'button', 'data-testid': 'pan-left', title: 'Pan left', text: '◀', onclick: () => panBy(-0.25) }),
    h('button', { type: 'button', 'data-testid': 'pan-right', title: 'Pan right', text: '▶', onclick: () => panBy(0.25) }),
    rangeEl,
    h('span', { class: 'spacer' }),
    h('span', { class: 'hint', text: 'wheel: zoom · drag or shift+wheel: pan · click: show in the event log' }),
  ]);
  const legendEntries: [string, string][] = [
    ['alive', 'process alive'],
    ['activity', 'processing'],
    ['lock', 'lock held (token)'],
    ['paused', 'paused'],
    ['crash', 'crashed / died'],
    ['fault', 'fault injected'],
    ['violation', 'violation'],
  ];
  const legend = h(
    'div',
    { class: 'legend' },
    legendEntries.map(([cls, text]) => h('span', null, [h('i', { class: cls }), text])),
  );

  let plotW = 600;
  let scheduled = false;
  const x = (t: number): number => TL.labelW + ((t - view.start) / (view.end - view.start)) * plotW;
  const timeAt = (px: number): number => view.start + ((px - TL.labelW) / plotW) * (view.end - view.start);

  function setView(start: number, end: number): void {
    const span = Math.max(TL.minSpanMs, Math.min(end - start, full[1] - full[0]));
    const clamped = Math.max(full[0], Math.min(start, full[1] - span));
    view.start = clamped;
    view.end = clamped + span;
    schedule();
  }
  function zoomBy(factor: number, aroundT?: number): void {
    const around = aroundT ?? (view.start + view.end) / 2;
    const frac = (around - view.start) / (view.end - view.start);
    const span = (view.end - view.start) * factor;
    setView(around - frac * span, around - frac * span + span);
  }
  function panBy(fraction: number): void {
    const span = view.end - view.start;
    setView(view.start + fraction * span, view.end + fraction * span);
  }
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      render();
    });
  }

  svgEl.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const rect = svgEl.getBoundingClientRect();
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) panBy((e.shiftKey ? e.deltaY || e.deltaX : e.deltaX) / plotW);
      else zoomBy(Math.exp(Math.max(-300, Math.min(300, e.deltaY)) * 0.002), timeAt(e.clientX - rect.left));
    },
    { passive: false },
  );
  let drag: { x: number; start: number; end: number; moved: boolean; id: number } | null = null;
  let suppressClick = false;
  svgEl.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, start: view.start, end: view.end, moved: false, id: e.pointerId };
  });
  svgEl.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    if (!drag.moved && Math.abs(dx) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      svgEl.setPointerCapture(drag.id);
      svgEl.classList.add('dragging');
    }
    const dt = (-dx / plotW) * (drag.end - drag.start);
    setView(drag.start + dt, drag.end + dt);
  });
  const endDrag = (): void => {
    if (!drag) return;
    if (drag.moved) {
      svgEl.classList.remove('dragging');
      // The click that ends a drag is not a pick.
      suppressClick = true;
      setTimeout(() => {
        suppressClick = false;
      }, 0);
    }
    drag = null;
  };
  svgEl.addEventListener('pointerup', endDrag);
  svgEl.addEventListener('pointercancel', endDrag);
  const pick =
    (seq: number | undefined, t: number) =>
    (): void => {
      if (!suppressClick) nav.jumpTo(seq, t, { keepTimeline: true });
    };

  function render(): void {
    const width = Math.max(480, wrap.clientWidth);
    plotW = width - TL.labelW - TL.padR;
    svgEl.setAttribute('width', String(width));
    svgEl.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svgEl.replaceChildren();
    svgEl.appendChild(s('defs', null, s('clipPath', { id: 'tl-plot' }, s('rect', { x: TL.labelW, y: 0, width: plotW, height }))));
    const back = s('g');
    const plot = s('g', { 'clip-path': 'url(#tl-plot)' });
    const front = s('g');
    svgEl.append(back, plot, front);

    drawAxis(back, width);
    let y = TL.axisH;
    rows.forEach((row, i) => {
      if (row.type === 'group') {
        back.appendChild(s('text', { class: 'group-label', x: 10, y: y + 15, text: row.label }));
        back.appendChild(s('line', { class: 'divider', x1: 0, x2: width, y1: y + row.h - 0.5, y2: y + row.h - 0.5 }));
      } else {
        back.appendChild(s('rect', { class: `lane-bg${i % 2 ? ' odd' : ''}`, x: 0, y, width, height: row.h }));
        const ended = row.type === 'process' && row.lane.endedBy !== 'horizon';
        const text = row.type === 'lock' ? truncateStart(row.label, 22) : truncate(row.label, 22);
        const label = s('text', { class: `lane-label${ended ? ' ended' : ''}`, x: 10, y: y + Math.min(row.h, TL.laneH) / 2 + 4, text });
        back.appendChild(titled(label, row.title));
        drawRow(plot, row, y);
      }
      y += row.h;
    });
    back.appendChild(s('line', { class: 'divider', x1: TL.labelW - 0.5, x2: TL.labelW - 0.5, y1: 0, y2: height }));
    for (const item of violations) {
      if (item.t < view.start || item.t > view.end) continue;
      const vx = x(item.t);
      plot.appendChild(s('line', { class: 'violation-line', x1: vx, x2: vx, y1: TL.axisH - 6, y2: height }));
      const flag = s('path', { class: 'violation-flag', 'data-testid': 'violation-flag', d: `M${vx - 5} ${TL.axisH - 12}h10l-5 7z`, onclick: pick(item.v.eventSeq, item.t) });
      front.appendChild(titled(flag, `${item.v.invariant}: ${item.v.message}`));
    }
    if (cursor !== null && cursor >= view.start && cursor <= view.end) plot.appendChild(s('line', { class: 'cursor-line', x1: x(cursor), x2: x(cursor), y1: TL.axisH, y2: height }));
    rangeEl.textContent = `${fmtOffset(view.start)} – ${fmtOffset(view.end)}  (${fmtDuration(view.end - view.start)} of ${fmtDuration(full[1] - full[0])})`;
    rangeEl.setAttribute('data-start-ms', String(Math.round(view.start)));
    rangeEl.setAttribute('data-end-ms', String(Math.round(view.end)));
  }

  function drawAxis(back: SVGGElement, width: number): void {
    const span = view.end - view.start;
    const step = TICK_STEPS.find((candidate) => span / candidate <= plotW / 110) ?? TICK_STEPS[TICK_STEPS.length - 1] ?? span;
    const first = Math.ceil(view.start / step) * step;
    for (let t = first; t <= view.end; t += step) {
      const tx = x(t);
      back.appendChild(s('line', { class: 'tick', x1: tx, x2: tx, y1: TL.axisH - 4, y2: height }));
      // Whole-second steps need no milliseconds.
      const text = step % 1000 === 0 ? fmtOffset(t).slice(0, -4) : fmtOffset(t);
      if (tx + 84 < width) back.appendChild(s('text', { class: 'tick-label', x: tx + 3, y: 14, text }));
    }
    back.appendChild(s('line', { class: 'divider', x1: 0, x2: width, y1: TL.axisH - 0.5, y2: TL.axisH - 0.5 }));
  }

  function drawRow(g: SVGGElement, row: Exclude<Row, { type: 'group' }>, y: number): void {
    if (row.type === 'faults') drawMarks(g, row.marks, y + TL.laneH / 2);
    else if (row.type === 'process') {
      const lane = row.lane;
      if (lane.end >= view.start && lane.start <= view.end) {
        const x0 = Math.max(TL.labelW - 2, x(lane.start));
        const x1 = Math.min(TL.labelW + plotW + 2, x(lane.end));
        g.appendChild(s('rect', { class: 'alive', x: x0, y: y + 4, width: Math.max(1, x1 - x0), height: TL.laneH - 8, rx: 2 }));
      }
      drawSpans(g, row.paused, y + 2, TL.laneH - 4, lane.pid);
      drawSpans(g, row.activities, y + 6, 12, lane.pid);
      drawSpans(g, row.locks, y + 20, 8, lane.pid);
      drawMarks(g, lane.marks, y + TL.laneH / 2);
    } else drawSegments(g, row.lock, y);
  }

  /** Spans in view; those under two pixels wide merge with their neighbours into one shape. */
  function drawSpans(g: SVGGElement, spans: readonly TimelineSpan[], top: number, hgt: number, pid: string): void {
    let run: { x0: number; x1: number; count: number; first: TimelineSpan } | null = null;
    const flush = (): void => {
      if (!run) return;
      const rect = s('rect', { class: `span ${run.first.kind}${run.count > 1 ? ' dense' : ''}`, x: run.x0, y: top, width: Math.max(1, run.x1 - run.x0), height: hgt, onclick: pick(run.first.seq, run.first.start) });
      g.appendChild(titled(rect, run.count > 1 ? `${run.count} ${run.first.kind} spans from ${fmtOffset(run.first.start)}` : spanTitle(run.first, pid)));
      run = null;
    };
    for (const sp of spans) {
      if (sp.end < view.start || sp.start > view.end) continue;
      const x0 = Math.max(TL.labelW - 2, x(sp.start));
      const x1 = Math.min(TL.labelW + plotW + 2, x(sp.end));
      if (x1 - x0 < 2) {
        if (run && x0 <= run.x1 + 1) {
          run.x1 = Math.max(run.x1, x1);
          run.count++;
          continue;
        }
        flush();
        run = { x0, x1: Math.max(x1, x0 + 1), count: 1, first: sp };
        continue;
      }
      flush();
      const cls = `span ${sp.kind}${sp.cut ? ' cut' : ''}`;
      g.appendChild(titled(s('rect', { class: cls, x: x0, y: top, width: x1 - x0, height: hgt, rx: 1.5, onclick: pick(sp.seq, sp.start) }), spanTitle(sp, pid)));
      // A lock span shows only its token (`#3`); the full key is in the lock lanes.
      const small = sp.kind === 'lock';
      const label = small ? (sp.label.includes(' #') ? sp.label.slice(sp.label.lastIndexOf(' #') + 1) : '') : sp.label;
      const perChar = small ? 5 : 5.8;
      if (label && x1 - x0 > (small ? 18 : 36)) {
        const cls = `span-label${small ? ' small' : ''}${sp.kind === 'paused' ? ' dark' : ''}`;
        g.appendChild(s('text', { class: cls, x: x0 + 3, y: top + hgt / 2 + (small ? 3 : 3.5), text: truncate(label, Math.floor((x1 - x0 - 6) / perChar)) }));
      }
    }
    flush();
  }

  function spanTitle(sp: TimelineSpan, pid: string): string {
    const what = sp.kind === 'lock' ? `holds lock ${sp.label}` : sp.kind === 'paused' ? sp.label : `processing ${sp.label}`;
    return `${pid} ${what}\n${fmtOffset(sp.start)} – ${fmtOffset(sp.end)} (${fmtDuration(sp.end - sp.start)})${sp.cut ? '\ncut short (crash, loss or end of run)' : ''}`;
  }

  /** One mark per pixel column: the most severe one, titled with how many it stands for. */
  function drawMarks(g: SVGGElement, marks: readonly TimelineMark[], cy: number): void {
    const columns = new Map<number, { mark: TimelineMark; count: number }>();
    for (const m of marks) {
      if (m.t < view.start || m.t > view.end) continue;
      const col = Math.floor(x(m.t));
      const entry = columns.get(col);
      if (!entry) columns.set(col, { mark: m, count: 1 });
      else {
        entry.count++;
        if (MARK_RANK[m.kind] > MARK_RANK[entry.mark.kind]) entry.mark = m;
      }
    }
    // Left to right, so later marks paint over earlier ones the same way on every draw.
    const ordered = [...columns.entries()].sort(([a], [b]) => a - b);
    for (const [, { mark: m, count }] of ordered) {
      const shape = markShape(m.kind, x(m.t), cy);
      shape.setAttribute('class', `mark ${m.kind}`);
      shape.setAttribute('data-kind', m.kind);
      shape.addEventListener('click', pick(m.seq, m.t));
      g.appendChild(titled(shape, `${fmtOffset(m.t)}  ${m.label}${count > 1 ? `\n(+${count - 1} more here)` : ''}`));
    }
  }

  function drawSegments(g: SVGGElement, lock: LockLane, y: number): void {
    let lastX = -Infinity;
    let dense: { count: number } | null = null;
    for (const seg of lock.segments) {
      if (seg.end < view.start || seg.start > view.end) continue;
      const x0 = Math.max(TL.labelW - 2, x(seg.start));
      const x1 = Math.min(TL.labelW + plotW + 2, x(seg.end));
      const top = y + 4 + seg.row * TL.lockRowH;
      // Holders too short to see apart share a pixel column: one sliver stands for them.
      if (x1 - x0 < 2 && x0 < lastX + 1 && dense) {
        dense.count++;
        continue;
      }
      const rect = s('rect', { class: `seg ${seg.endedBy}${seg.overlap ? ' overlap' : ''}`, x: x0, y: top, width: Math.max(1, x1 - x0), height: TL.lockRowH - 4, rx: 1.5, onclick: pick(seg.seq, seg.start) });
      const text = seg.pid + (seg.token === null ? '' : ` #${seg.token}`);
      const ended = seg.endedBy === 'orphaned' ? 'left behind by a crashed holder until it expired' : seg.endedBy;
      g.appendChild(titled(rect, `${lock.key} held by ${text}\n${fmtOffset(seg.start)} – ${fmtOffset(seg.end)} (${fmtDuration(seg.end - seg.start)}), ${ended}${seg.overlap ? '\nOVERLAPS another holder' : ''}`));
      if (x1 - x0 > 40) g.appendChild(s('text', { class: 'span-label', x: x0 + 4, y: top + TL.lockRowH - 7, text: truncate(text, Math.floor((x1 - x0 - 8) / 5.6)) }));
      dense = x1 - x0 < 2 ? { count: 1 } : null;
      lastX = x1;
    }
  }

  if (typeof ResizeObserver === 'function') new ResizeObserver(schedule).observe(wrap);
  else window.addEventListener('resize', schedule);

  const sub = `${plural(model.processes.length, 'process incarnation')}, ${plural(model.locks.length, 'lock key')}`;
  return {
    element: card('timeline-card', 'Timeline', sub, [toolbar, wrap, legend]),
    render,
    focus(t, keepView) {
      cursor = t;
      if (!keepView) {
        let span = view.end - view.start;
        if (span >= full[1] - full[0]) span = Math.max(TL.minSpanMs, span / 10);
        if (t < view.start || t > view.end || span !== view.end - view.start) setView(t - span / 2, t + span / 2);
      }
      schedule();
    },
  };
}

function markShape(kind: MarkKind, mx: number, cy: number): SVGElement {
  switch (kind) {
    case 'crash':
    case 'error':
      return s('path', { d: `M${mx - 4.5} ${cy - 6}l4.5 4.2 4.5-4.2 1.8 1.8-4.2 4.2 4.2 4.2-1.8 1.8-4.5-4.2-4.5 4.2-1.8-1.8 4.2-4.2-4.2-4.2z` });
    case 'fault':
      return s('path', { d: `M${mx} ${cy - 6}l6 6-6 6-6-6z` });
    case 'restart':
      return s('path', { d: `M${mx - 1} ${cy - 6}l8 6-8 6z` });
    case 'start':
      return s('circle', { cx: mx, cy, r: 3.5 });
    case 'exit':
      return s('rect', { x: mx - 1.5, y: cy - 7, width: 3, height: 14 });
    case 'lock-lost':
    case 'lock-error':
      return s('path', { d: `M${mx - 5} ${cy - 5}h10l-5 8z` });
    case 'lock-timeout':
      return s('rect', { x: mx - 0.75, y: cy - 4, width: 1.5, height: 8 });
    default:
      return s('circle', { cx: mx, cy, r: 3 });
  }
}

function layoutRows(model: TimelineModel): Row[] {
  const rows: Row[] = [];
  rows.push({ type: 'faults', label: 'faults', title: 'faults the world injected', marks: model.faults, h: TL.laneH });
  rows.push({ type: 'group', label: 'PROCESSES', h: TL.groupH });
  for (const lane of model.processes) {
    const ended = lane.endedBy === 'crash' ? '  ✕' : lane.endedBy === 'error' ? '  !' : '';
    const of = (kind: TimelineSpan['kind']): TimelineSpan[] => lane.spans.filter((sp) => sp.kind === kind);
    const title = `${lane.pid} (${lane.endedBy === 'horizon' ? 'alive at the horizon' : lane.endedBy})`;
    rows.push({ type: 'process', label: lane.pid + ended, title, lane, paused: of('paused'), activities: of('activity'), locks: of('lock'), h: TL.laneH });
  }
  if (model.locks.length) {
    rows.push({ type: 'group', label: 'LOCKS', h: TL.groupH });
    for (const lock of model.locks) rows.push({ type: 'lock', label: lock.key, title: `lock ${lock.key}`, lock, h: lock.rows * TL.lockRowH + 8 });
  }
  return rows;
}

/** Lock keys often share a prefix (bucket/...): keep the end, which tells them apart. */
function truncateStart(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

function truncate(text: string, max: number): string {
  if (max < 2) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
