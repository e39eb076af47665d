/**
 * Only legal transitions: every job starts `queued`, each transition leaves the state the job was
 * in, and it is one of queued→executing, queued→stopped, executing→completed|failed|stopped.
 *
 * The table is written out here again, on purpose: an oracle that imported the runner's own table
 * could not notice that table being wrong.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const LEGAL_TRANSITIONS = 'legal-transitions';

const LEGAL = new Set(['queued>executing', 'queued>stopped', 'executing>completed', 'executing>failed', 'executing>stopped']);

export function checkLegalTransitions(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  const state = new Map<string, string>([...facts.jobs.keys()].map((id) => [id, 'queued']));
  const violations: Violation[] = [];
  for (const transition of facts.transitions) {
    const current = state.get(transition.job);
    const problem =
      current === undefined
        ? `job ${transition.job} changed state (${transition.from} -> ${transition.to}) without ever being queued`
        : current !== transition.from
          ? `job ${transition.job} went ${transition.from} -> ${transition.to}, but it was ${current}`
          : !LEGAL.has(`${transition.from}>${transition.to}`)
            ? `job ${transition.job} made the illegal transition ${transition.from} -> ${transition.to}`
            : undefined;
    if (problem !== undefined) violations.push({ invariant: LEGAL_TRANSITIONS, message: problem, atMs: transition.event.t - epochMs, eventSeq: transition.event.seq, pid: transition.event.pid });
    state.set(transition.job, transition.to);
  }
  return violations;
}

export const legalTransitions: Checker<RunContext> = {
  name: LEGAL_TRANSITIONS,
  description: 'every job goes queued -> executing -> completed|failed, or to stopped from queued or executing',
  check: (run) => checkLegalTransitions(run.derive(jobRunnerFactsOf)),
};
