/**
 * The text every client job appends: the seed's `Maestro is the best......`, written in parts with
 * awaits between them (so that, without mutual exclusion, two jobs' parts interleave), and ending
 * with a blank line, so consecutive texts are separated by two newlines.
 */

/** The parts, in order; joined they make one whole text, terminator included. */
export const TEXT_PARTS: readonly string[] = ['Maestro', ' is', ' the', ' best', '......', '\n\n'];

/** One whole text as it appears in the output. */
export const WHOLE_TEXT = TEXT_PARTS.join('');

/** The line of the text without its terminating blank line. */
export const TEXT_LINE = WHOLE_TEXT.replace(/\n+$/, '');
