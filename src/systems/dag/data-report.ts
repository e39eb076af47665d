/**
 * How a job reports the data it generated: a line on its stdout
 *
 *     SIMRUN_DATA amount=1234
 *
 * (at the start of a line; the amount a non-negative integer in the job's own unit: rows, files,
 * bytes). Several lines add up, so a job may report each batch as it goes. The amount is what the
 * run log's `amount_of_data` holds and what a job's `max_data` alert judges; a job that reports
 * nothing is judged by the bytes it printed on stdout and stderr instead.
 */

const REPORT = /^SIMRUN_DATA amount=(\d+)\s*$/;

/** Reads stdout text chunk by chunk, whole lines only, and adds up the reported amounts. */
export class DataReportReader {
  private partial = '';
  private total = 0;
  private reported = false;

  /** Feeds one chunk of stdout; returns true when it completed at least one report line. */
  feed(text: string): boolean {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() as string;
    let found = false;
    for (const line of lines) found = this.take(line) || found;
    // A line longer than any report cannot become one: keep memory flat for jobs that never print a newline.
    if (this.partial.length > 64) this.partial = this.partial.startsWith('SIMRUN_DATA') ? this.partial.slice(0, 64) : '';
    return found;
  }

  /** The output ended: a last line without a newline still counts. */
  end(): boolean {
    const found = this.take(this.partial);
    this.partial = '';
    return found;
  }

  /** The amount reported so far, or undefined when the job reported none. */
  get amount(): number | undefined {
    return this.reported ? this.total : undefined;
  }

  private take(line: string): boolean {
    const match = REPORT.exec(line.replace(/\r$/, ''));
    if (match === null) return false;
    this.total += Number(match[1]);
    this.reported = true;
    return true;
  }
}
