/**
 * The protected resource of the real-mode tests: an append-only file that critical sections write
 * `enter TOKEN PID` and `exit TOKEN PID` lines to, each line one `write(2)` on a descriptor opened
 * with O_APPEND, so lines from concurrent processes never tear and their order in the file is the
 * order they happened. The verdict comes from this file, not from the locks.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export class AppendOnlyResource {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  enter(token: number, who: string): void {
    writeSync(this.fd, `enter ${token} ${who}\n`);
  }

  exit(token: number, who: string): void {
    writeSync(this.fd, `exit ${token} ${who}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Problems in a resource log: a section entered while another was inside (mutual exclusion broken),
 * an exit that does not match the section inside, and a token not above every token entered before
 * (a stale or reused fencing token). Also returns how many sections completed.
 */
export function judgeResourceLog(text: string): { problems: string[]; sections: number } {
  const problems: string[] = [];
  let inside: { token: number; who: string; line: number } | null = null;
  let highestToken = 0;
  let sections = 0;
  const lines = text.split('\n').filter((line) => line !== '');
  lines.forEach((line, index) => {
    const [kind, tokenText, who = ''] = line.split(' ');
    const token = Number(tokenText);
    if (kind === 'enter') {
      if (inside !== null) problems.push(`line ${index + 1}: ${who} entered with token ${token} while ${inside.who} (token ${inside.token}, line ${inside.line}) was inside`);
      if (token <= highestToken) problems.push(`line ${index + 1}: ${who} entered with token ${token}, not above ${highestToken}`);
      highestToken = Math.max(highestToken, token);
      inside = { token, who, line: index + 1 };
    } else if (kind === 'exit') {
      if (inside === null || inside.token !== token || inside.who !== who) problems.push(`line ${index + 1}: ${who} exited token ${token} but ${inside === null ? 'nobody' : `${inside.who} (token ${inside.token})`} was inside`);
      else sections += 1;
      inside = null;
    } else {
      problems.push(`line ${index + 1}: unreadable: ${JSON.stringify(line)}`);
    }
  });
  return { problems: problems.slice(0, 20), sections };
}
