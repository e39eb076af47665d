/**
 * The format of a client's output file, judged as the seed's test script does: the whole text,
 * `Maestro is the best......`, some number of times, each followed by a blank line, so texts are
 * separated by two newlines; nothing else, no part of a text on its own, no two texts interleaved.
 * Shared by the `client-jobs` scenario and `simrun jobs verify`.
 */
import { WHOLE_TEXT } from '../../systems/client-jobs/text.js';

export type OutputVerdict =
  | { readonly status: 'well-formed'; readonly wholeTexts: number }
  | { readonly status: 'malformed'; readonly wholeTexts: number; /** Where the first bad text starts. */ readonly offset: number; readonly problem: string };

/** Reads `content` as whole texts; stops at the first thing that is not one. */
export function judgeClientOutput(content: string): OutputVerdict {
  let offset = 0;
  let wholeTexts = 0;
  while (offset < content.length) {
    if (!content.startsWith(WHOLE_TEXT, offset)) {
      const found = JSON.stringify(content.slice(offset, offset + WHOLE_TEXT.length + 12));
      const expected = JSON.stringify(WHOLE_TEXT);
      const kind = WHOLE_TEXT.startsWith(content.slice(offset)) ? 'a partial text at the end' : 'interleaved or partial text';
      return { status: 'malformed', wholeTexts, offset, problem: `text ${wholeTexts + 1} (at character ${offset}) is ${kind}: found ${found}, expected ${expected}` };
    }
    offset += WHOLE_TEXT.length;
    wholeTexts += 1;
  }
  return { status: 'well-formed', wholeTexts };
}
