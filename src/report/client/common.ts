/**
 * Browser code shared by every report page: building elements (only ever with `textContent` and
 * `setAttribute`, so data can never become markup), formatting virtual times, copy buttons.
 */
import type { Fault } from '../../sim/faults.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Attributes for `h` and `s`: class, text, on<Event> handlers, anything else through setAttribute. Empty values are skipped. */
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>>;

/** What an element can hold: nodes, text, nested lists; empty values are skipped. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Moving through a run: selects an event in the log and brings its moment into view on the timeline. */
export interface Navigator {
  jumpTo(seq: number | undefined, t: number | undefined, options?: { readonly keepTimeline?: boolean; readonly keepLog?: boolean }): void;
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, children?: Child): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, children?: Child): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

function applyAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    } else if (key === 'text') el.textContent = String(value);
    else el.setAttribute(key, String(value));
  }
}

function appendAll(el: Element, children: Child): void {
  if (children === undefined || children === null || children === false) return;
  if (isChildList(children)) {
    for (const child of children) appendAll(el, child);
    return;
  }
  el.appendChild(typeof children === 'string' || typeof children === 'number' ? document.createTextNode(String(children)) : children);
}

function isChildList(child: Child): child is readonly Child[] {
  return Array.isArray(child);
}

/** Gives an SVG shape a tooltip. */
export function titled<E extends SVGElement>(el: E, text: string): E {
  el.appendChild(s('title', { text }));
  return el;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Virtual ms past the epoch as 1d 02:15:00.000, the way the command line prints it. */
export function fmtOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  const days = Math.floor(rest / 86400000);
  rest -= days * 86400000;
  const hours = Math.floor(rest / 3600000);
  rest -= hours * 3600000;
  const minutes = Math.floor(rest / 60000);
  rest -= minutes * 60000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${sign}${days > 0 ? `${days}d ` : ''}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}`;
}

/** A duration for people: 850 ms, 12.5 s, 3 min 20 s, 2 h 5 min. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms * 100) / 100} ms`;
  if (abs < 60000) return `${Math.round(ms / 100) / 10} s`;
  if (abs < 3600000) {
    const seconds = Math.round((ms % 60000) / 1000);
    return `${Math.floor(ms / 60000)} min${seconds ? ` ${seconds} s` : ''}`;
  }
  if (abs < 86400000) {
    const minutes = Math.round((ms % 3600000) / 60000);
    return `${Math.floor(ms / 3600000)} h${minutes ? ` ${minutes} min` : ''}`;
  }
  return `${Math.round(ms / 8640000) / 10} d`;
}

export function fmtNumber(value: number): string {
  return value.toLocaleString('en-US');
}

/** Compact JSON for a cell; strings stay strings. */
export function fmtValue(value: unknown): string {
  return typeof value === 'string' ? value : String(JSON.stringify(value));
}

/** `1 fault`, `2 faults`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A titled section of the page. */
export function card(id: string, title: string, sub: string | null, children: Child): HTMLElement {
  return h('section', { class: 'card', id, 'data-testid': id }, [h('h2', null, [title, sub ? h('span', { class: 'sub', text: sub }) : null]), children]);
}

/** A command with a copy button; falls back to selecting the text when the clipboard is refused. */
export function commandBlock(label: string, command: string, testid: string): HTMLElement {
  const code = h('code', { id: testid, 'data-testid': testid, text: command });
  const button = h('button', { type: 'button', 'data-testid': `${testid}-copy`, text: 'Copy' });
  const selectCode = (): Selection | null => {
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return selection;
  };
  const done = (): void => {
    button.textContent = 'Copied';
    button.classList.add('copied');
    setTimeout(() => {
      button.textContent = 'Copy';
      button.classList.remove('copied');
    }, 1500);
  };
  const selectInstead = (): void => {
    selectCode();
    button.textContent = 'Selected';
  };
  button.addEventListener('click', () => {
    // The synchronous copy works from a file:// page without a clipboard permission; the async API is the fallback.
    const selection = selectCode();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    if (copied) {
      selection?.removeAllRanges();
      done();
      return;
    }
    if (typeof navigator.clipboard?.writeText === 'function') navigator.clipboard.writeText(command).then(done, selectInstead);
    else selectInstead();
  });
  return h('div', { class: 'command' }, [h('span', { class: 'label', text: label }), code, button]);
}

/** A fault plan as a table: when, what, whom, and the kind's own fields. */
export function planTable(plan: readonly Fault[] | undefined, testid: string): HTMLElement {
  if (!plan || plan.length === 0) return h('p', { class: 'empty', 'data-testid': testid, text: 'No faults.' });
  return h('table', { 'data-testid': testid }, [
    h('thead', null, h('tr', null, [h('th', { text: 'at' }), h('th', { text: 'kind' }), h('th', { text: 'target' }), h('th', { text: 'details' })])),
    h(
      'tbody',
      null,
      plan.map((fault) => {
        const details = Object.keys(fault)
          .filter((k) => k !== 'at' && k !== 'kind' && k !== 'target')
          .map((k) => `${k}=${fmtValue(fault[k])}`)
          .join('  ');
        return h('tr', null, [
          h('td', { class: 'mono', text: fmtOffset(fault.at) }),
          h('td', { class: 'mono', text: fault.kind }),
          h('td', { class: 'mono', text: fault.target === undefined ? 'any' : fault.target }),
          h('td', { class: 'mono', text: details }),
        ]);
      }),
    ),
  ]);
}

/** Parameters as key/value pills. */
export function paramList(params: Readonly<Record<string, unknown>> | undefined): HTMLElement {
  const entries = Object.entries(params ?? {});
  if (entries.length === 0) return h('span', { class: 'empty', text: 'defaults' });
  return h(
    'div',
    null,
    entries.map(([k, v]) => h('span', { class: 'pill', text: `${k}=${fmtValue(v)}` })),
  );
}
