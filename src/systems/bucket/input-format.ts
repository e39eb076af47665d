/**
 * The provider's file format, how a worker decides a file is whole, and the ETL it performs.
 *
 * An input file is text:
 * ```
 * 12                       line 1: processing time in minutes (a non-negative decimal number,
 *                          at most 15 significant digits: see `MINUTES_SIGNIFICANT_DIGITS`)
 * {"id":7,"user":"ann"}    then zero or more JSON objects, one per line
 * {"id":8,"user":"bob"}
 * #end                     an end marker: the file is whole
 * ```
 * The seed's own format is the first line alone: a file holding only the processing minutes
 * (`12`, with or without a newline), as its `simulation.py` writes it (`renderNumberOnly`).
 *
 * **Whole files only.** A provider that writes in place can be caught half way (`1` of `12`). A file
 * with its end marker is whole at once. A file without one is whole once it has *settled*: the worker
 * saw the same size and modification time at two looks at least `settleMs` apart on its own clock
 * (10 s by default, `DEFAULT_SETTLE_MS`). That is a heuristic: a writer that stalls mid-file for
 * longer than `settleMs` defeats it, so a provider that can should rename a whole file into place or
 * end it with the marker. A first line that is complete (ends with a newline) and is not a number is
 * rejected at once: appending cannot fix it.
 *
 * **The ETL.** Each JSON object becomes one tab-separated row: its keys sorted, its values joined by
 * tabs. Strings are written as they are with `\`, tab, newline and carriage return escaped as `\\`,
 * `\t`, `\n`, `\r`; `null` as `\N` (PostgreSQL `COPY` text format); numbers and booleans as JSON;
 * arrays and objects as compact JSON. Every row ends with a newline; no header row. The first line
 * (minutes) is not part of the output.
 */

export const END_MARKER = '#end';

/** How long a file without an end marker must keep its size and modification time to count as whole, ms. */
export const DEFAULT_SETTLE_MS = 10_000;

/** Which format a provider writes: `number-only` is the seed's (just the minutes), `marked` adds JSON lines and the end marker. */
export type InputFormat = 'number-only' | 'marked';

export type InputRecord = Readonly<Record<string, unknown>>;

/** What a worker makes of an input's text. */
export type InputVerdict =
  | { readonly status: 'ready'; readonly minutes: number; readonly records: readonly InputRecord[] }
  | { readonly status: 'incomplete' }
  | { readonly status: 'reject'; readonly reason: string };

/** The whole text of an input file, marker included. */
export function renderInput(minutes: number, records: readonly InputRecord[]): string {
  return [String(minutes), ...records.map((record) => JSON.stringify(record)), END_MARKER].join('\n') + '\n';
}

/** The whole text of an input file in the seed's format: the minutes alone, no newline, no marker. */
export function renderNumberOnly(minutes: number): string {
  return String(minutes);
}

/** Whether `text` ends with the end marker: such a file is whole whatever its age. */
export function hasEndMarker(text: string): boolean {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return lines.length > 1 && lines[lines.length - 1] === END_MARKER;
}

const MINUTES = /^\d+(\.\d+)?$/;

/**
 * The most significant digits a minutes value may have. Every decimal of up to 15 significant
 * digits survives a round trip through a double, so the value a worker commits, the one its trace
 * event carries and the one the checker recomputes from are the same exact decimal; the statistics
 * are then exact. Past it (`1.0000000000000001`, `12345678901234567`) the file is rejected with the
 * reason, rather than processed with minutes it did not say.
 */
export const MINUTES_SIGNIFICANT_DIGITS = 15;

/** Why a first line that is a number cannot be used as minutes, or `undefined` when it can. */
function minutesBeyondPrecision(firstLine: string): string | undefined {
  const significant = firstLine.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  const integerDigits = (firstLine.split('.')[0] as string).replace(/^0+/, '').length;
  // Trailing zeros of a whole number are exact in a double only while it stays below 10^15 too.
  if (significant.length <= MINUTES_SIGNIFICANT_DIGITS && integerDigits <= MINUTES_SIGNIFICANT_DIGITS) return undefined;
  return `the minutes ${quote(firstLine)} exceed what is kept exactly: at most ${MINUTES_SIGNIFICANT_DIGITS} significant digits, below 10^${MINUTES_SIGNIFICANT_DIGITS}`;
}

/**
 * Judges an input's text. `settled`: the text has not changed for the settle time, so a file without
 * an end marker counts as whole.
 */
export function judgeInput(text: string, settled: boolean): InputVerdict {
  const firstBreak = text.indexOf('\n');
  const firstLine = (firstBreak < 0 ? text : text.slice(0, firstBreak)).replace(/\r$/, '').trim();
  const firstLineWhole = firstBreak >= 0;
  if (firstLineWhole && !MINUTES.test(firstLine)) return { status: 'reject', reason: `the first line is not a number of minutes: ${quote(firstLine)}` };

  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  const marked = lines.length > 1 && lines[lines.length - 1] === END_MARKER;
  if (!marked && !settled) return { status: 'incomplete' };
  if (!MINUTES.test(firstLine)) return { status: 'reject', reason: `the first line is not a number of minutes: ${quote(firstLine)}` };

  const beyond = minutesBeyondPrecision(firstLine);
  if (beyond !== undefined) return { status: 'reject', reason: beyond };

  const body = lines.slice(1, marked ? -1 : undefined);
  const records: InputRecord[] = [];
  for (let index = 0; index < body.length; index += 1) {
    const line = body[index] as string;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return { status: 'reject', reason: `line ${index + 2} is not valid JSON: ${quote(line)}` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { status: 'reject', reason: `line ${index + 2} is not a JSON object: ${quote(line)}` };
    records.push(value as InputRecord);
  }
  return { status: 'ready', minutes: Number(firstLine), records };
}

/** The tab-separated output of an input's records (see the module comment). */
export function toTsv(records: readonly InputRecord[]): string {
  return records
    .map((record) =>
      Object.keys(record)
        .sort()
        .map((key) => tsvValue(record[key]))
        .join('\t') + '\n',
    )
    .join('');
}

function tsvValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] as string);
  return JSON.stringify(value);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text);
}
