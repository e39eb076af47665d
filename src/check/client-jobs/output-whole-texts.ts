/**
 * Invariant `output-whole-texts`: each client's output is exactly k whole texts separated by two
 * newlines, where k is the number of that client's jobs that succeeded: no interleaving, no partial
 * text of a crashed job, no text lost.
 */
import type { Violation } from '../violation.js';
import type { ClientJobsHistory } from './history.js';
import { successesByClient } from './history.js';
import { judgeClientOutput } from './output-format.js';
import type { Checker } from '../checker.js';

const OUTPUT_WHOLE_TEXTS = 'output-whole-texts';

export function checkOutputWholeTexts(history: ClientJobsHistory): Violation[] {
  const successes = successesByClient(history.attempts);
  const violations: Violation[] = [];
  for (const output of history.outputs) {
    const verdict = judgeClientOutput(output.content);
    const succeeded = successes.get(output.client) ?? 0;
    if (verdict.status === 'malformed') {
      violations.push({ invariant: OUTPUT_WHOLE_TEXTS, message: `${output.path} (client ${output.client}): ${verdict.problem}` });
    } else if (verdict.wholeTexts !== succeeded) {
      violations.push({ invariant: OUTPUT_WHOLE_TEXTS, message: `${output.path} (client ${output.client}) holds ${verdict.wholeTexts} whole texts, but ${succeeded} jobs succeeded` });
    }
  }
  return violations;
}

export const outputWholeTexts: Checker<{ readonly history: ClientJobsHistory }> = {
  name: OUTPUT_WHOLE_TEXTS,
  description: "each client's output is exactly k whole texts separated by two newlines, k = its jobs that succeeded",
  check: ({ history }) => checkOutputWholeTexts(history),
};
