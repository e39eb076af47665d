/**
 * Browser code for the files table of a bucket run: each file's named time, when it appeared, who
 * claimed it and with which token, how many attempts it took and who committed it. Only rendered when
 * the run has bucket events.
 */
import type { FileRow } from '../files.js';
import { card, fmtDuration, fmtOffset, h, type Navigator } from './common.js';

/** Rows added per click: a long run has thousands of files, and few people read them all. */
const FILES_PAGE = 250;

export function renderFilesTable(files: readonly FileRow[], nav: Navigator): HTMLElement {
  const committed = files.filter((f) => f.state === 'committed').length;
  const problems = files.length - committed;
  const header = ['file', 'named time', 'appeared', 'claimed by', 'attempts', 'committed', 'state'];
  const body = h('tbody');
  let shown = 0;
  const more = h('button', { type: 'button', class: 'more', 'data-testid': 'files-more' });
  const showMore = (): void => {
    const until = Math.min(files.length, shown + FILES_PAGE);
    for (const file of files.slice(shown, until)) body.appendChild(fileRow(file, nav));
    shown = until;
    more.textContent = `Show ${Math.min(FILES_PAGE, files.length - shown)} more of ${files.length - shown}`;
    more.hidden = shown >= files.length;
  };
  more.addEventListener('click', showMore);
  const table = h('table', { 'data-testid': 'files-table' }, [
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        header.map((c, i) => h('th', { class: i === 4 ? 'num' : '', text: c })),
      ),
    ),
    body,
  ]);
  showMore();
  const sub = `${files.length} files, ${committed} committed exactly once${problems ? `, ${problems} not` : ''}`;
  return card('files', 'Files', sub, [h('div', { class: 'table-scroll' }, table), more]);
}

function fileRow(f: FileRow, nav: Navigator): HTMLElement {
  const lag = f.namedMs !== undefined && f.appearedMs !== undefined ? f.appearedMs - f.namedMs : undefined;
  const jump = (): void => nav.jumpTo(f.seq, f.appearedMs ?? f.claims[0]?.t);
  return h('tr', { class: 'clickable', 'data-testid': 'file-row', title: 'show this file in the timeline and the event log', onclick: jump }, [
    h('td', { class: 'mono', 'data-testid': 'file-name', text: f.file }),
    h('td', { class: 'mono', text: f.namedMs === undefined ? '—' : fmtOffset(f.namedMs) }),
    h('td', { class: 'mono', text: f.appearedMs === undefined ? '—' : fmtOffset(f.appearedMs) + (lag ? `  +${fmtDuration(lag)}` : '') }),
    h('td', null, f.claims.length === 0 ? h('span', { class: 'empty', text: 'nobody' }) : f.claims.map((c) => h('span', { class: 'pill', text: c.pid + (c.token === undefined ? '' : ` #${c.token}`) }))),
    h('td', { class: 'num', text: f.attempts }),
    h('td', null, f.commits.length === 0 ? h('span', { class: 'empty', text: 'never' }) : f.commits.map((c) => h('span', { class: 'pill', text: `${c.pid} at ${fmtOffset(c.t)}` }))),
    h('td', null, h('span', { class: `state ${f.state}`, text: f.state === 'duplicate' ? `${f.commits.length}× committed` : f.state })),
  ]);
}
