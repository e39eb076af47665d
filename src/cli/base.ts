/**
 * What every simrun command shares: bad input ends as one clear line and exit 2, a harness failure
 * as exit 3, never a stack trace (set SIMRUN_DEBUG=1 to see one). With `--json` the same failure is
 * one JSON object on standard output, `{"error":{"kind":"input","name":...,"message":...}}`, so a
 * script reading the output always gets JSON.
 */
import { Command } from '@oclif/core';
import { errorFamily } from '../env/errors.js';

/** Exit codes, the same for every command. */
export const EXIT = { passed: 0, violated: 1, input: 2, harness: 3 } as const;

/** How a command failed: the user's input, the harness, or a bug in simrun (`internal`). */
export type FailureKind = 'input' | 'harness' | 'internal';

/** What `--json` prints when a command fails. */
export interface ErrorJson {
  readonly error: { readonly kind: FailureKind; readonly name: string; readonly message: string };
}

type CliError = Error & { code?: string; oclif?: { exit?: number } };

/** The kind of a failure: by class for simrun's own errors, by exit code for oclif's (usage errors exit 2). */
export function failureKind(error: CliError): FailureKind {
  const family = errorFamily(error);
  if (family !== undefined) return family;
  if (error.oclif?.exit === EXIT.input) return 'input';
  return 'internal';
}

export abstract class SimrunCommand extends Command {
  protected override async catch(error: CliError): Promise<unknown> {
    // `this.exit()` travels as an error too; it is an ending, not a failure.
    if (error.code === 'EEXIT') return super.catch(error);
    if (process.env.SIMRUN_DEBUG) process.stderr.write(`${error.stack ?? String(error)}\n`);
    const kind = failureKind(error);
    // oclif's own errors (an unknown flag, an integer flag out of range) carry no name of their own
    // and span several lines; they become one line like every other input error.
    // A flag's own parser (a path checked in `flags.ts`) throws an InputError that oclif rewrites
    // in place to `Parsing --flag` over several lines: it is a usage error too.
    const usage = (error.oclif?.exit !== undefined && errorFamily(error) === undefined) || error.message.startsWith('Parsing --');
    const message = oneLine(usage ? usageLine(error.message, this.id) : error.message);
    if (this.jsonEnabled()) {
      const json: ErrorJson = { error: { kind, name: usage ? 'UsageError' : error.name, message } };
      this.logJson(json);
      return this.exit(kind === 'input' ? EXIT.input : EXIT.harness);
    }
    if (usage && kind !== 'input') return super.catch(error);
    if (kind === 'input') this.logToStderr(`simrun: ${message}`);
    else if (kind === 'harness') this.logToStderr(`simrun: harness error: ${oneLine(error.message)}`);
    else this.logToStderr(`simrun: internal error: ${oneLine(error.message)} (SIMRUN_DEBUG=1 shows the stack)`);
    return this.exit(kind === 'input' ? EXIT.input : EXIT.harness);
  }
}

/** A message as one line, whatever it quotes (a file's content in a parse error, a user's value). */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

/**
 * oclif's usage message as one line: `Parsing --runs` and its reason joined, the "See more help"
 * footer replaced by the command's own help hint. oclif's "The following error occurred:" header
 * goes, and a missing argument's description, wrapped over several indented lines, is put back
 * together in brackets: `Missing 1 required arg: scenario (a built-in scenario name ...)`.
 */
export function usageLine(message: string, commandId: string | undefined): string {
  const lines: string[] = [];
  let missingArgs = false;
  for (const raw of message.split('\n')) {
    const line = raw.trim();
    if (line === '' || /^(See more help|Note:|Alternatively|The following errors? occurred:)/.test(line)) continue;
    if (/^Missing \d+ required args?:$/.test(line)) missingArgs = true;
    else if (missingArgs && /^\s/.test(raw) && lines.length > 1) {
      // A continuation of the argument's wrapped description.
      lines[lines.length - 1] = `${(lines.at(-1) as string).slice(0, -1)} ${line})`;
      continue;
    } else if (missingArgs) {
      const [, name, description] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
      if (name !== undefined) {
        lines.push(`${name} (${description})`);
        continue;
      }
    }
    lines.push(line);
  }
  const help = commandId === undefined ? 'simrun --help' : `simrun ${commandId.replace(/:/g, ' ')} --help`;
  const joined = lines.reduce((text, line) => (text === '' ? line : `${text}${text.endsWith(':') ? ' ' : ': '}${line}`), '');
  return `${joined} (${help} lists the flags)`;
}
