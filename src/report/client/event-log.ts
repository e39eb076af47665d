/**
 * Browser code for the event log: every trace event, filterable by process, kind and text, with the
 * events violations point at highlighted. Rows have one fixed height and only the rows in view (plus
 * a margin) exist in the page, so a hundred thousand events scroll as smoothly as a hundred.
 */
export const EVENT_LOG_SCRIPT = String.raw`
var LOG_ROW_H = 22;
var LOG_OVERSCAN = 12;

function createEventLog(result, nav) {
  var trace = result.trace;
  var epoch = result.epochMs;
  var violating = {};
  result.violations.forEach(function (v) { if (v.eventSeq !== undefined) violating[v.eventSeq] = v.invariant + ': ' + v.message; });
  var pidCounts = {}, kindCounts = {};
  trace.forEach(function (e) { pidCounts[e.pid] = (pidCounts[e.pid] || 0) + 1; kindCounts[e.kind] = (kindCounts[e.kind] || 0) + 1; });
  var dataText = new Array(trace.length);
  function textOf(i) {
    var cached = dataText[i];
    if (cached === undefined) { cached = trace[i].data === undefined ? '' : JSON.stringify(trace[i].data); dataText[i] = cached; }
    return cached;
  }

  var pidSelect = h('select', { 'data-testid': 'log-filter-pid', 'aria-label': 'process' }, [h('option', { value: '', text: 'all processes' })].concat(
    Object.keys(pidCounts).sort(comparePid).map(function (p) { return h('option', { value: p, text: p + '  (' + pidCounts[p] + ')' }); })));
  var kindSelect = h('select', { 'data-testid': 'log-filter-kind', 'aria-label': 'kind' }, [h('option', { value: '', text: 'all kinds' })].concat(
    kindGroups(kindCounts).map(function (k) { return h('option', { value: k.value, text: k.label }); })));
  var search = h('input', { type: 'search', placeholder: 'search data…', 'data-testid': 'log-search', 'aria-label': 'search' });
  var onlyViolations = h('input', { type: 'checkbox', 'data-testid': 'log-only-violations' });
  var countEl = h('span', { class: 'count', 'data-testid': 'log-count' });
  var spacer = h('div', { class: 'log-spacer' });
  var viewport = h('div', { class: 'log-viewport', 'data-testid': 'event-log', tabindex: '0' }, spacer);
  var head = h('div', { class: 'log-head' }, ['seq', 'time', 'process', 'kind', 'data'].map(function (c) { return h('span', { text: c }); }));

  var rows = new Int32Array(trace.length);
  var rowCount = 0;
  var selected = null;
  var drawn = { first: -1, last: -1 };

  function applyFilter() {
    var pid = pidSelect.value, kind = kindSelect.value, text = search.value.trim().toLowerCase(), onlyV = onlyViolations.checked;
    var prefix = kind.slice(-2) === '.*' ? kind.slice(0, -1) : null;
    rowCount = 0;
    for (var i = 0; i < trace.length; i++) {
      var e = trace[i];
      if (pid && e.pid !== pid) continue;
      if (kind && (prefix ? e.kind.indexOf(prefix) !== 0 : e.kind !== kind)) continue;
      if (onlyV && violating[e.seq] === undefined) continue;
      if (text && (e.kind + ' ' + e.pid + ' ' + textOf(i)).toLowerCase().indexOf(text) < 0) continue;
      rows[rowCount++] = i;
    }
    spacer.style.height = (rowCount * LOG_ROW_H) + 'px';
    countEl.textContent = fmtNumber(rowCount) + ' of ' + fmtNumber(trace.length) + ' events';
    drawn = { first: -1, last: -1 };
    draw();
  }

  function draw() {
    var first = Math.max(0, Math.floor(viewport.scrollTop / LOG_ROW_H) - LOG_OVERSCAN);
    var last = Math.min(rowCount, Math.ceil((viewport.scrollTop + viewport.clientHeight) / LOG_ROW_H) + LOG_OVERSCAN);
    if (first === drawn.first && last === drawn.last) return;
    drawn = { first: first, last: last };
    while (spacer.firstChild) spacer.removeChild(spacer.firstChild);
    for (var r = first; r < last; r++) spacer.appendChild(rowElement(r));
  }

  function rowElement(r) {
    var i = rows[r], e = trace[i];
    var cls = 'log-row' + (violating[e.seq] !== undefined ? ' violating' : '') + (selected === e.seq ? ' selected' : '');
    var family = e.kind.split('.')[0];
    var row = h('div', { class: cls, 'data-seq': e.seq, 'data-testid': 'log-row' }, [
      h('span', { class: 'seq', text: e.seq }),
      h('span', { class: 't', text: fmtOffset(e.t - epoch) }),
      h('span', { class: 'pid', text: e.pid }),
      h('span', { class: 'kind k-' + family, text: e.kind }),
      h('span', { class: 'data', text: textOf(i).slice(0, 400) }),
    ]);
    row.style.top = (r * LOG_ROW_H) + 'px';
    var tip = violating[e.seq] !== undefined ? 'VIOLATION ' + violating[e.seq] + '\n' : '';
    row.setAttribute('title', tip + e.kind + ' ' + textOf(i).slice(0, 2000));
    row.addEventListener('click', function () { nav.jumpTo(e.seq, e.t - epoch, { keepLog: true }); });
    return row;
  }

  var pending = false;
  viewport.addEventListener('scroll', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  });
  [pidSelect, kindSelect, onlyViolations].forEach(function (el) { el.addEventListener('change', applyFilter); });
  var debounce = null;
  search.addEventListener('input', function () { clearTimeout(debounce); debounce = setTimeout(applyFilter, 160); });

  var toolbar = h('div', { class: 'toolbar' }, [pidSelect, kindSelect, search, h('label', { class: 'check' }, [onlyViolations, 'violations only']), h('span', { class: 'spacer' }), countEl]);
  return {
    element: card('event-log-card', 'Event log', fmtNumber(trace.length) + ' events', [toolbar, head, viewport]),
    start: applyFilter,
    /** Selects an event and scrolls it to the middle; clears filters that hide it. */
    reveal: function (seq, scroll) {
      selected = seq;
      var index = indexOfSeq(seq);
      if (index < 0) { drawn = { first: -1, last: -1 }; draw(); return; }
      var r = rowOf(index);
      if (r < 0) {
        pidSelect.value = ''; kindSelect.value = ''; search.value = ''; onlyViolations.checked = false;
        applyFilter();
        r = rowOf(index);
      }
      if (scroll) viewport.scrollTop = Math.max(0, r * LOG_ROW_H - viewport.clientHeight / 2 + LOG_ROW_H / 2);
      drawn = { first: -1, last: -1 };
      draw();
    },
  };

  function indexOfSeq(seq) {
    if (seq === undefined || seq === null) return -1;
    if (trace[seq] && trace[seq].seq === seq) return seq;
    for (var i = 0; i < trace.length; i++) if (trace[i].seq === seq) return i;
    return -1;
  }
  function rowOf(index) {
    var lo = 0, hi = rowCount - 1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (rows[mid] === index) return mid; if (rows[mid] < index) lo = mid + 1; else hi = mid - 1; }
    return -1;
  }
}

/** Kinds for the filter: each family (lock.*) first when it has several kinds, then every kind. */
function kindGroups(kindCounts) {
  var kinds = Object.keys(kindCounts).sort();
  var families = {};
  kinds.forEach(function (k) { var f = k.split('.')[0]; (families[f] = families[f] || []).push(k); });
  var out = [];
  Object.keys(families).sort().forEach(function (f) {
    var members = families[f];
    if (members.length > 1) out.push({ value: f + '.*', label: f + '.*  (' + members.reduce(function (n, k) { return n + kindCounts[k]; }, 0) + ')' });
    members.forEach(function (k) { out.push({ value: k, label: (members.length > 1 ? '  ' : '') + k + '  (' + kindCounts[k] + ')' }); });
  });
  return out;
}

function comparePid(a, b) {
  return a.localeCompare(b, 'en', { numeric: true });
}
`;
