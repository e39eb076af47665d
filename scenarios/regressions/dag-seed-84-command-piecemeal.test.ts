// Found by `simrun mutants --check` (dag, mutant command-piecemeal, seed 84), shrunk to one fault: the
// runner dies while the rows of an operator's rerun of `j01` are being written, after `j01` and `j02`
// were reset and before the jobs further downstream were. A runner that took the command from the
// store first and wrote its rows one by one (as `dag run` did) left the rerun half applied and the
// command gone: the next runner ran `j01` and `j02` again and left `j04`, `j05` and `j06` on results
// computed from what the rerun replaced. The shipped runner writes a command's rows and removes it in
// one commit, so the next runner finds the command whole and carries it out.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

// Three writes of rows go through (`passes: 3`); the fourth, inside the rerun's rows, does not land.
const crashInRerun = { at: 2_717_511, kind: 'crash-in-call', target: 'dag-runner', landed: false, restartAfterMs: 161, passes: 3 };

test('dag seed 84: a rerun taken first and written row by row is left half applied by a crash', async () => {
  const result = await runScenario(await loadScenario('dag'), { seed: 84, plan: [crashInRerun], mutant: 'command-piecemeal' });
  expect(result.violations.map((violation) => violation.invariant)).toContain('downstream-resumes');
});

test('dag seed 84: a rerun committed whole is carried out by the next runner', async () => {
  const result = await runScenario(await loadScenario('dag'), { seed: 84, plan: [crashInRerun] });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
