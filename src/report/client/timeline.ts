/**
 * Browser code for the swimlane timeline: one lane per process incarnation and one per lock key over
 * virtual time, with zoom (wheel, buttons) and pan (drag, shift+wheel). Only what is in view is drawn,
 * and spans or marks narrower than a pixel column are merged into one, so a run with a hundred thousand
 * events draws a few thousand shapes at most.
 */
export const TIMELINE_SCRIPT = String.raw`
var TL = { labelW: 168, axisH: 28, laneH: 32, lockRowH: 16, groupH: 22, padR: 14, minSpanMs: 5 };
var TICK_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000, 172800000, 604800000];
var MARK_RANK = { crash: 8, error: 8, fault: 7, 'lock-lost': 6, 'lock-error': 5, restart: 4, start: 3, exit: 2, skew: 1, 'lock-timeout': 0 };

function createTimeline(model, result, nav) {
  var violations = result.violations
    .map(function (v) { return { v: v, t: v.atMs !== undefined ? v.atMs - result.epochMs : (v.eventSeq !== undefined && result.trace[v.eventSeq] ? result.trace[v.eventSeq].t - result.epochMs : undefined) }; })
    .filter(function (x) { return x.t !== undefined; });
  var full = [model.startMs, Math.max(model.endMs, model.startMs + TL.minSpanMs)];
  var view = { start: full[0], end: full[1] };
  var cursor = null;
  var rows = layoutRows(model);
  var height = rows.reduce(function (y, r) { return y + r.h; }, TL.axisH) + 4;

  var svgEl = s('svg', { height: height, 'data-testid': 'timeline-svg', role: 'img', 'aria-label': 'swimlane timeline' });
  var wrap = h('div', { class: 'timeline-wrap', 'data-testid': 'timeline' }, svgEl);
  var rangeEl = h('span', { class: 'range', id: 'time-range', 'data-testid': 'time-range' });
  var toolbar = h('div', { class: 'toolbar' }, [
    h('button', { type: 'button', 'data-testid': 'zoom-in', title: 'Zoom in', text: '+ Zoom in', onclick: function () { zoomBy(0.5); } }),
    h('button', { type: 'button', 'data-testid': 'zoom-out', title: 'Zoom out', text: '- Zoom out', onclick: function () { zoomBy(2); } }),
    h('button', { type: 'button', 'data-testid': 'zoom-reset', title: 'Show the whole run', text: 'Fit', onclick: function () { setView(full[0], full[1]); } }),
    h('button', { type: 'button', 'data-testid': 'pan-left', title: 'Pan left', text: '◀', onclick: function () { panBy(-0.25); } }),
    h('button', { type: 'button', 'data-testid': 'pan-right', title: 'Pan right', text: '▶', onclick: function () { panBy(0.25); } }),
    rangeEl,
    h('span', { class: 'spacer' }),
    h('span', { class: 'hint', text: 'wheel: zoom · drag or shift+wheel: pan · click: show in the event log' }),
  ]);
  var legend = h('div', { class: 'legend' }, [
    ['alive', 'process alive'], ['activity', 'processing'], ['lock', 'lock held (token)'], ['paused', 'paused'], ['crash', 'crashed / died'], ['fault', 'fault injected'], ['violation', 'violation'],
  ].map(function (l) { return h('span', null, [h('i', { class: l[0] }), l[1]]); }));

  var plotW = 600;
  var scheduled = false;
  function x(t) { return TL.labelW + (t - view.start) / (view.end - view.start) * plotW; }
  function timeAt(px) { return view.start + (px - TL.labelW) / plotW * (view.end - view.start); }

  function setView(start, end) {
    var span = Math.max(TL.minSpanMs, Math.min(end - start, full[1] - full[0]));
    start = Math.max(full[0], Math.min(start, full[1] - span));
    view.start = start; view.end = start + span;
    schedule();
  }
  function zoomBy(factor, aroundT) {
    var around = aroundT === undefined ? (view.start + view.end) / 2 : aroundT;
    var frac = (around - view.start) / (view.end - view.start);
    var span = (view.end - view.start) * factor;
    setView(around - frac * span, around - frac * span + span);
  }
  function panBy(fraction) {
    var span = view.end - view.start;
    setView(view.start + fraction * span, view.end + fraction * span);
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () { scheduled = false; render(); });
  }

  svgEl.addEventListener('wheel', function (e) {
    e.preventDefault();
    var rect = svgEl.getBoundingClientRect();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) panBy((e.shiftKey ? e.deltaY || e.deltaX : e.deltaX) / plotW);
    else zoomBy(Math.exp(Math.max(-300, Math.min(300, e.deltaY)) * 0.002), timeAt(e.clientX - rect.left));
  }, { passive: false });
  var drag = null;
  svgEl.addEventListener('pointerdown', function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, start: view.start, end: view.end, moved: false, id: e.pointerId };
  });
  svgEl.addEventListener('pointermove', function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x;
    if (!drag.moved && Math.abs(dx) < 4) return;
    if (!drag.moved) { drag.moved = true; svgEl.setPointerCapture(drag.id); svgEl.classList.add('dragging'); }
    var dt = -dx / plotW * (drag.end - drag.start);
    setView(drag.start + dt, drag.end + dt);
  });
  function endDrag() {
    if (!drag) return;
    if (drag.moved) { svgEl.classList.remove('dragging'); suppressClick = true; setTimeout(function () { suppressClick = false; }, 0); }
    drag = null;
  }
  var suppressClick = false;
  svgEl.addEventListener('pointerup', endDrag);
  svgEl.addEventListener('pointercancel', endDrag);
  function pick(seq, t) { return function () { if (!suppressClick) nav.jumpTo(seq, t, { keepTimeline: true }); }; }

  function render() {
    var width = Math.max(480, wrap.clientWidth);
    plotW = width - TL.labelW - TL.padR;
    svgEl.setAttribute('width', width);
    svgEl.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    while (svgEl.firstChild) svgEl.removeChild(svgEl.firstChild);
    var defs = s('defs', null, s('clipPath', { id: 'tl-plot' }, s('rect', { x: TL.labelW, y: 0, width: plotW, height: height })));
    svgEl.appendChild(defs);
    var back = s('g'), plot = s('g', { 'clip-path': 'url(#tl-plot)' }), front = s('g');
    svgEl.appendChild(back); svgEl.appendChild(plot); svgEl.appendChild(front);

    drawAxis(back, plot, width);
    var y = TL.axisH;
    rows.forEach(function (row, i) {
      if (row.type === 'group') {
        back.appendChild(s('text', { class: 'group-label', x: 10, y: y + 15, text: row.label }));
        back.appendChild(s('line', { class: 'divider', x1: 0, x2: width, y1: y + row.h - 0.5, y2: y + row.h - 0.5 }));
      } else {
        back.appendChild(s('rect', { class: 'lane-bg' + (i % 2 ? ' odd' : ''), x: 0, y: y, width: width, height: row.h }));
        var label = s('text', { class: 'lane-label' + (row.lane && row.lane.endedBy !== 'horizon' ? ' ended' : ''), x: 10, y: y + Math.min(row.h, TL.laneH) / 2 + 4, text: row.keepEnd ? truncateStart(row.label, 22) : truncate(row.label, 22) });
        back.appendChild(titled(label, row.title || row.label));
        drawRow(plot, row, y);
      }
      y += row.h;
    });
    back.appendChild(s('line', { class: 'divider', x1: TL.labelW - 0.5, x2: TL.labelW - 0.5, y1: 0, y2: height }));
    violations.forEach(function (item) {
      if (item.t < view.start || item.t > view.end) return;
      var vx = x(item.t);
      plot.appendChild(s('line', { class: 'violation-line', x1: vx, x2: vx, y1: TL.axisH - 6, y2: height }));
      front.appendChild(titled(s('path', { class: 'violation-flag', 'data-testid': 'violation-flag', d: 'M' + (vx - 5) + ' ' + (TL.axisH - 12) + 'h10l-5 7z', onclick: pick(item.v.eventSeq, item.t) }), item.v.invariant + ': ' + item.v.message));
    });
    if (cursor !== null && cursor >= view.start && cursor <= view.end) plot.appendChild(s('line', { class: 'cursor-line', x1: x(cursor), x2: x(cursor), y1: TL.axisH, y2: height }));
    rangeEl.textContent = fmtOffset(view.start) + ' – ' + fmtOffset(view.end) + '  (' + fmtDuration(view.end - view.start) + ' of ' + fmtDuration(full[1] - full[0]) + ')';
    rangeEl.setAttribute('data-start-ms', String(Math.round(view.start)));
    rangeEl.setAttribute('data-end-ms', String(Math.round(view.end)));
  }

  function drawAxis(back, plot, width) {
    var span = view.end - view.start;
    var step = TICK_STEPS[TICK_STEPS.length - 1];
    for (var i = 0; i < TICK_STEPS.length; i++) if (span / TICK_STEPS[i] <= plotW / 110) { step = TICK_STEPS[i]; break; }
    var first = Math.ceil(view.start / step) * step;
    for (var t = first; t <= view.end; t += step) {
      var tx = x(t);
      back.appendChild(s('line', { class: 'tick', x1: tx, x2: tx, y1: TL.axisH - 4, y2: height }));
      var text = fmtOffset(t);
      if (step % 1000 === 0) text = text.slice(0, -4);
      if (tx + 84 < width) back.appendChild(s('text', { class: 'tick-label', x: tx + 3, y: 14, text: text }));
    }
    back.appendChild(s('line', { class: 'divider', x1: 0, x2: width, y1: TL.axisH - 0.5, y2: TL.axisH - 0.5 }));
  }

  function drawRow(g, row, y) {
    if (row.type === 'faults') drawMarks(g, row.marks, y + TL.laneH / 2);
    else if (row.type === 'process') {
      var lane = row.lane;
      if (lane.end >= view.start && lane.start <= view.end) {
        var x0 = Math.max(TL.labelW - 2, x(lane.start)), x1 = Math.min(TL.labelW + plotW + 2, x(lane.end));
        g.appendChild(s('rect', { class: 'alive', x: x0, y: y + 4, width: Math.max(1, x1 - x0), height: TL.laneH - 8, rx: 2 }));
      }
      drawSpans(g, row.paused, y + 2, TL.laneH - 4, lane.pid);
      drawSpans(g, row.activities, y + 6, 12, lane.pid);
      drawSpans(g, row.locks, y + 20, 8, lane.pid);
      drawMarks(g, lane.marks, y + TL.laneH / 2);
    } else if (row.type === 'lock') drawSegments(g, row.lock, y);
  }

  /** Spans in view; those under two pixels wide merge with their neighbours into one shape. */
  function drawSpans(g, spans, top, hgt, pid) {
    var run = null;
    function flush() {
      if (!run) return;
      var rect = s('rect', { class: 'span ' + run.first.kind + (run.count > 1 ? ' dense' : ''), x: run.x0, y: top, width: Math.max(1, run.x1 - run.x0), height: hgt, onclick: pick(run.first.seq, run.first.start) });
      g.appendChild(titled(rect, run.count > 1 ? run.count + ' ' + run.first.kind + ' spans from ' + fmtOffset(run.first.start) : spanTitle(run.first, pid)));
      run = null;
    }
    for (var i = 0; i < spans.length; i++) {
      var sp = spans[i];
      if (sp.end < view.start || sp.start > view.end) continue;
      var x0 = Math.max(TL.labelW - 2, x(sp.start)), x1 = Math.min(TL.labelW + plotW + 2, x(sp.end));
      if (x1 - x0 < 2) {
        if (run && x0 <= run.x1 + 1) { run.x1 = Math.max(run.x1, x1); run.count++; continue; }
        flush();
        run = { x0: x0, x1: Math.max(x1, x0 + 1), count: 1, first: sp };
        continue;
      }
      flush();
      var cls = 'span ' + sp.kind + (sp.cut ? ' cut' : '');
      g.appendChild(titled(s('rect', { class: cls, x: x0, y: top, width: x1 - x0, height: hgt, rx: 1.5, onclick: pick(sp.seq, sp.start) }), spanTitle(sp, pid)));
      var label = sp.kind === 'lock' ? (sp.label.indexOf(' #') >= 0 ? sp.label.slice(sp.label.lastIndexOf(' #') + 1) : '') : sp.label;
      var small = sp.kind === 'lock';
      var perChar = small ? 5 : 5.8;
      if (label && x1 - x0 > (small ? 18 : 36)) g.appendChild(s('text', { class: 'span-label' + (small ? ' small' : '') + (sp.kind === 'paused' ? ' dark' : ''), x: x0 + 3, y: top + hgt / 2 + (small ? 3 : 3.5), text: truncate(label, Math.floor((x1 - x0 - 6) / perChar)) }));
    }
    flush();
  }

  function spanTitle(sp, pid) {
    var what = sp.kind === 'lock' ? 'holds lock ' + sp.label : sp.kind === 'paused' ? sp.label : 'processing ' + sp.label;
    return pid + ' ' + what + '\n' + fmtOffset(sp.start) + ' – ' + fmtOffset(sp.end) + ' (' + fmtDuration(sp.end - sp.start) + ')' + (sp.cut ? '\ncut short (crash, loss or end of run)' : '');
  }

  /** One mark per pixel column: the most severe one, titled with how many it stands for. */
  function drawMarks(g, marks, cy) {
    var columns = {};
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i];
      if (m.t < view.start || m.t > view.end) continue;
      var col = Math.floor(x(m.t));
      var entry = columns[col];
      if (!entry) columns[col] = { mark: m, count: 1 };
      else { entry.count++; if (MARK_RANK[m.kind] > MARK_RANK[entry.mark.kind]) entry.mark = m; }
    }
    Object.keys(columns).forEach(function (col) {
      var entry = columns[col], m = entry.mark, mx = x(m.t);
      var shape = markShape(m.kind, mx, cy);
      shape.setAttribute('class', 'mark ' + m.kind);
      shape.setAttribute('data-kind', m.kind);
      shape.addEventListener('click', pick(m.seq, m.t));
      g.appendChild(titled(shape, fmtOffset(m.t) + '  ' + m.label + (entry.count > 1 ? '\n(+' + (entry.count - 1) + ' more here)' : '')));
    });
  }

  function markShape(kind, mx, cy) {
    if (kind === 'crash' || kind === 'error') return s('path', { d: 'M' + (mx - 4.5) + ' ' + (cy - 6) + 'l4.5 4.2 4.5-4.2 1.8 1.8-4.2 4.2 4.2 4.2-1.8 1.8-4.5-4.2-4.5 4.2-1.8-1.8 4.2-4.2-4.2-4.2z' });
    if (kind === 'fault') return s('path', { d: 'M' + mx + ' ' + (cy - 6) + 'l6 6-6 6-6-6z' });
    if (kind === 'restart') return s('path', { d: 'M' + (mx - 1) + ' ' + (cy - 6) + 'l8 6-8 6z' });
    if (kind === 'start') return s('circle', { cx: mx, cy: cy, r: 3.5 });
    if (kind === 'exit') return s('rect', { x: mx - 1.5, y: cy - 7, width: 3, height: 14 });
    if (kind === 'lock-lost' || kind === 'lock-error') return s('path', { d: 'M' + (mx - 5) + ' ' + (cy - 5) + 'h10l-5 8z' });
    if (kind === 'lock-timeout') return s('rect', { x: mx - 0.75, y: cy - 4, width: 1.5, height: 8 });
    return s('circle', { cx: mx, cy: cy, r: 3 });
  }

  function drawSegments(g, lock, y) {
    var lastX = -Infinity, dense = null;
    lock.segments.forEach(function (seg) {
      if (seg.end < view.start || seg.start > view.end) return;
      var x0 = Math.max(TL.labelW - 2, x(seg.start)), x1 = Math.min(TL.labelW + plotW + 2, x(seg.end));
      var top = y + 4 + seg.row * TL.lockRowH;
      // Holders too short to see apart share a pixel column: one sliver stands for them.
      if (x1 - x0 < 2 && x0 < lastX + 1 && dense) { dense.count++; return; }
      var rect = s('rect', { class: 'seg ' + seg.endedBy + (seg.overlap ? ' overlap' : ''), x: x0, y: top, width: Math.max(1, x1 - x0), height: TL.lockRowH - 4, rx: 1.5, onclick: pick(seg.seq, seg.start) });
      var text = seg.pid + (seg.token === null ? '' : ' #' + seg.token);
      g.appendChild(titled(rect, lock.key + ' held by ' + text + '\n' + fmtOffset(seg.start) + ' – ' + fmtOffset(seg.end) + ' (' + fmtDuration(seg.end - seg.start) + '), ' + (seg.endedBy === 'orphaned' ? 'left behind by a crashed holder until it expired' : seg.endedBy) + (seg.overlap ? '\nOVERLAPS another holder' : '')));
      if (x1 - x0 > 40) g.appendChild(s('text', { class: 'span-label', x: x0 + 4, y: top + TL.lockRowH - 7, text: truncate(text, Math.floor((x1 - x0 - 8) / 5.6)) }));
      dense = x1 - x0 < 2 ? { count: 1 } : null;
      lastX = x1;
    });
  }

  var observer = typeof ResizeObserver === 'function' ? new ResizeObserver(schedule) : null;
  if (observer) observer.observe(wrap); else window.addEventListener('resize', schedule);

  return {
    element: card('timeline-card', 'Timeline', model.processes.length + ' process incarnation' + (model.processes.length === 1 ? '' : 's') + ', ' + model.locks.length + ' lock key' + (model.locks.length === 1 ? '' : 's'), [toolbar, wrap, legend]),
    render: render,
    /** Marks t and brings it into view, zooming in when the whole run is shown. */
    focus: function (t, keepView) {
      cursor = t;
      if (!keepView) {
        var span = view.end - view.start;
        if (span >= full[1] - full[0]) span = Math.max(TL.minSpanMs, span / 10);
        if (t < view.start || t > view.end || span !== view.end - view.start) setView(t - span / 2, t + span / 2);
      }
      schedule();
    },
  };
}

function layoutRows(model) {
  var rows = [];
  rows.push({ type: 'faults', label: 'faults', title: 'faults the world injected', marks: model.faults, h: TL.laneH });
  rows.push({ type: 'group', label: 'PROCESSES', h: TL.groupH });
  model.processes.forEach(function (lane) {
    var ended = lane.endedBy === 'crash' ? '  ✕' : lane.endedBy === 'error' ? '  !' : '';
    var of = function (kind) { return lane.spans.filter(function (sp) { return sp.kind === kind; }); };
    rows.push({ type: 'process', label: lane.pid + ended, title: lane.pid + ' (' + (lane.endedBy === 'horizon' ? 'alive at the horizon' : lane.endedBy) + ')', lane: lane, paused: of('paused'), activities: of('activity'), locks: of('lock'), h: TL.laneH });
  });
  if (model.locks.length) {
    rows.push({ type: 'group', label: 'LOCKS', h: TL.groupH });
    model.locks.forEach(function (lock) { rows.push({ type: 'lock', label: lock.key, keepEnd: true, title: 'lock ' + lock.key, lock: lock, h: lock.rows * TL.lockRowH + 8 }); });
  }
  return rows;
}

/** Lock keys often share a prefix (bucket/...): keep the end, which tells them apart. */
function truncateStart(text, max) {
  text = String(text);
  return text.length <= max ? text : '…' + text.slice(text.length - max + 1);
}

function truncate(text, max) {
  text = String(text);
  if (max < 2) return '';
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}
`;
