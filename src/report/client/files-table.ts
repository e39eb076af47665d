/**
 * Browser code for the files table of a bucket run: each file's named time, when it appeared, who
 * claimed it and with which token, how many attempts it took and who committed it. Only rendered when
 * the run has bucket events.
 */
export const FILES_TABLE_SCRIPT = String.raw`
var FILES_PAGE = 250;

function renderFilesTable(files, nav) {
  var committed = files.filter(function (f) { return f.state === 'committed'; }).length;
  var problems = files.length - committed;
  var header = ['file', 'named time', 'appeared', 'claimed by', 'attempts', 'committed', 'state'];
  var body = h('tbody');
  var shown = 0;
  // Rows are added a page at a time: a long run has thousands of files, and few people read them all.
  var more = h('button', { type: 'button', class: 'more', 'data-testid': 'files-more' });
  function showMore() {
    var until = Math.min(files.length, shown + FILES_PAGE);
    for (; shown < until; shown++) body.appendChild(fileRow(files[shown], nav));
    more.textContent = 'Show ' + Math.min(FILES_PAGE, files.length - shown) + ' more of ' + (files.length - shown);
    more.hidden = shown >= files.length;
  }
  more.addEventListener('click', showMore);
  var table = h('table', { 'data-testid': 'files-table' }, [
    h('thead', null, h('tr', null, header.map(function (c, i) { return h('th', { class: i === 4 ? 'num' : '', text: c }); }))),
    body,
  ]);
  showMore();
  var sub = files.length + ' files, ' + committed + ' committed exactly once' + (problems ? ', ' + problems + ' not' : '');
  return card('files', 'Files', sub, [h('div', { class: 'table-scroll' }, table), more]);
}

function fileRow(f, nav) {
  var lag = f.namedMs !== undefined && f.appearedMs !== undefined ? f.appearedMs - f.namedMs : undefined;
  var jump = function () { nav.jumpTo(f.seq, f.appearedMs !== undefined ? f.appearedMs : (f.claims[0] ? f.claims[0].t : undefined)); };
  return h('tr', { class: 'clickable', 'data-testid': 'file-row', title: 'show this file in the timeline and the event log', onclick: jump }, [
    h('td', { class: 'mono', 'data-testid': 'file-name', text: f.file }),
    h('td', { class: 'mono', text: f.namedMs === undefined ? '—' : fmtOffset(f.namedMs) }),
    h('td', { class: 'mono', text: f.appearedMs === undefined ? '—' : fmtOffset(f.appearedMs) + (lag ? '  +' + fmtDuration(lag) : '') }),
    h('td', null, f.claims.length === 0 ? h('span', { class: 'empty', text: 'nobody' }) : f.claims.map(function (c) { return h('span', { class: 'pill', text: c.pid + (c.token === undefined ? '' : ' #' + c.token) }); })),
    h('td', { class: 'num', text: f.attempts }),
    h('td', null, f.commits.length === 0 ? h('span', { class: 'empty', text: 'never' }) : f.commits.map(function (c) { return h('span', { class: 'pill', text: c.pid + ' at ' + fmtOffset(c.t) }); })),
    h('td', null, h('span', { class: 'state ' + f.state, text: f.state === 'duplicate' ? f.commits.length + '× committed' : f.state })),
  ]);
}
`;
