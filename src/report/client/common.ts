/**
 * Browser code shared by every report page: building elements (only ever with `textContent` and
 * `setAttribute`, so data can never become markup), formatting virtual times, copy buttons.
 *
 * Every client module is plain ES2020 source in a string: the pages are single files, so the code is
 * inlined, and it runs in the page's scope next to the other modules `html.ts` puts beside it.
 */
export const COMMON_SCRIPT = String.raw`
var SVG_NS = 'http://www.w3.org/2000/svg';

/** An element; attrs: class, text, on<Event> handlers, anything else through setAttribute. */
function h(tag, attrs, children) {
  var el = document.createElement(tag);
  applyAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

function s(tag, attrs, children) {
  var el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  Object.keys(attrs).forEach(function (key) {
    var value = attrs[key];
    if (value === undefined || value === null || value === false) return;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'class') el.setAttribute('class', value);
    else if (key.slice(0, 2) === 'on' && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, String(value));
  });
}

function appendAll(el, children) {
  if (children === undefined || children === null) return;
  (Array.isArray(children) ? children : [children]).forEach(function (child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { appendAll(el, child); return; }
    el.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  });
}

function titled(el, text) {
  el.appendChild(s('title', { text: text }));
  return el;
}

function pad(value, width) {
  var text = String(value);
  while (text.length < width) text = '0' + text;
  return text;
}

/** Virtual ms past the epoch as 1d 02:15:00.000, the way the command line prints it. */
function fmtOffset(ms) {
  var sign = ms < 0 ? '-' : '';
  var rest = Math.abs(Math.round(ms));
  var days = Math.floor(rest / 86400000); rest -= days * 86400000;
  var hours = Math.floor(rest / 3600000); rest -= hours * 3600000;
  var minutes = Math.floor(rest / 60000); rest -= minutes * 60000;
  var seconds = Math.floor(rest / 1000);
  var millis = rest - seconds * 1000;
  return sign + (days > 0 ? days + 'd ' : '') + pad(hours, 2) + ':' + pad(minutes, 2) + ':' + pad(seconds, 2) + '.' + pad(millis, 3);
}

/** A duration for people: 850 ms, 12.5 s, 3 min 20 s, 2 h 5 min. */
function fmtDuration(ms) {
  if (!isFinite(ms)) return String(ms);
  var abs = Math.abs(ms);
  if (abs < 1000) return (Math.round(ms * 100) / 100) + ' ms';
  if (abs < 60000) return (Math.round(ms / 100) / 10) + ' s';
  if (abs < 3600000) return Math.floor(ms / 60000) + ' min' + (Math.round((ms % 60000) / 1000) ? ' ' + Math.round((ms % 60000) / 1000) + ' s' : '');
  if (abs < 86400000) return Math.floor(ms / 3600000) + ' h' + (Math.round((ms % 3600000) / 60000) ? ' ' + Math.round((ms % 3600000) / 60000) + ' min' : '');
  return (Math.round(ms / 8640000) / 10) + ' d';
}

function fmtNumber(value) {
  return typeof value === 'number' ? value.toLocaleString('en-US') : String(value);
}

/** Compact JSON for a cell; strings stay strings. */
function fmtValue(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function card(id, title, sub, children) {
  return h('section', { class: 'card', id: id, 'data-testid': id }, [h('h2', null, [title, sub ? h('span', { class: 'sub', text: sub }) : null])].concat(children));
}

/** A command with a copy button; falls back to selecting the text when the clipboard is refused. */
function commandBlock(label, command, testid) {
  var code = h('code', { id: testid, 'data-testid': testid, text: command });
  var button = h('button', { type: 'button', 'data-testid': testid + '-copy', text: 'Copy' });
  button.addEventListener('click', function () {
    var done = function () { button.textContent = 'Copied'; button.classList.add('copied'); setTimeout(function () { button.textContent = 'Copy'; button.classList.remove('copied'); }, 1500); };
    var select = function () { var range = document.createRange(); range.selectNodeContents(code); var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range); button.textContent = 'Selected'; };
    // The synchronous copy works from a file:// page without a clipboard permission; the async API is the fallback.
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
    if (copied) { selection.removeAllRanges(); done(); return; }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(command).then(done, select);
    else select();
  });
  return h('div', { class: 'command' }, [h('span', { class: 'label', text: label }), code, button]);
}

/** A fault plan as a table: when, what, whom, and the kind's own fields. */
function planTable(plan, testid) {
  if (!plan || plan.length === 0) return h('p', { class: 'empty', 'data-testid': testid, text: 'No faults.' });
  return h('table', { 'data-testid': testid }, [
    h('thead', null, h('tr', null, [h('th', { text: 'at' }), h('th', { text: 'kind' }), h('th', { text: 'target' }), h('th', { text: 'details' })])),
    h('tbody', null, plan.map(function (fault) {
      var details = Object.keys(fault).filter(function (k) { return k !== 'at' && k !== 'kind' && k !== 'target'; })
        .map(function (k) { return k + '=' + fmtValue(fault[k]); }).join('  ');
      return h('tr', null, [h('td', { class: 'mono', text: fmtOffset(fault.at) }), h('td', { class: 'mono', text: fault.kind }), h('td', { class: 'mono', text: fault.target === undefined ? 'any' : fault.target }), h('td', { class: 'mono', text: details })]);
    })),
  ]);
}

/** Parameters as key/value pills. */
function paramList(params) {
  var keys = Object.keys(params || {});
  if (keys.length === 0) return h('span', { class: 'empty', text: 'defaults' });
  return h('div', null, keys.map(function (k) { return h('span', { class: 'pill', text: k + '=' + fmtValue(params[k]) }); }));
}

function readReportData() {
  return JSON.parse(document.getElementById('simrun-data').textContent);
}
`;
