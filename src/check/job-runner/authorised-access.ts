/**
 * Only an admin acts on another user's jobs: every `status`, `output` or `stop` of a job granted to a
 * caller who did not start it (its owner, from `job.queued`) went to an admin, and none of an admin's
 * or an owner's requests was refused; every job a list showed a caller is theirs, unless the caller
 * is an admin. Judged from the access decisions in the trace (`job.access`, `job.listed`) against who
 * started each job, with the admins' names given by the scenario (the server's `--admin` list).
 */
import type { TraceEvent } from '../../sim/trace.js';
import { jobRunnerEvents } from '../../systems/job-runner/events.js';
import type { Violation } from '../violation.js';
import type { Checker, TraceInput } from '../checker.js';

const AUTHORISED_ACCESS = 'authorised-access';

export interface AccessInput extends TraceInput {
  /** The callers the server treats as admins. */
  readonly admins: readonly string[];
  readonly epochMs?: number;
}

export function checkAuthorisedAccess({ trace, admins, epochMs = 0 }: AccessInput): Violation[] {
  const adminNames = new Set(admins);
  const owners = new Map<string, string | undefined>();
  const violations: Violation[] = [];
  const violation = (event: TraceEvent, message: string): void => {
    violations.push({ invariant: AUTHORISED_ACCESS, message, atMs: event.t - epochMs, eventSeq: event.seq, pid: event.pid });
  };
  const whose = (job: string): string => {
    const owner = owners.get(job);
    return owner === undefined ? 'an ownerless job' : `${owner}'s job`;
  };
  for (const event of jobRunnerEvents.of(trace)) {
    if (event.kind === 'job.queued') owners.set(event.data.job, event.data.owner);
    else if (event.kind === 'job.access') {
      const { caller, action, job, granted } = event.data;
      const owner = owners.get(job);
      const entitled = adminNames.has(caller) || (owner !== undefined && owner === caller);
      if (granted && !entitled) violation(event as TraceEvent, `${caller}, not an admin, was let ${action === 'stop' ? 'stop' : `read the ${action} of`} ${whose(job)} ${job}`);
      if (!granted && entitled) violation(event as TraceEvent, `${caller}${adminNames.has(caller) ? ' (an admin)' : ''} was refused the ${action} of ${whose(job)} ${job}`);
    } else if (event.kind === 'job.listed') {
      const { caller, jobs } = event.data;
      if (adminNames.has(caller)) continue;
      const foreign = jobs.filter((job) => owners.get(job) !== caller);
      if (foreign.length > 0) violation(event as TraceEvent, `${caller}, not an admin, was shown ${foreign.length} job(s) of other users (${foreign.slice(0, 3).map((job) => `${whose(job)} ${job}`).join(', ')})`);
    }
  }
  return violations;
}

export const authorisedAccess: Checker<AccessInput> = {
  name: AUTHORISED_ACCESS,
  description: "only an admin sees or stops another user's jobs; an owner or an admin is never refused",
  check: checkAuthorisedAccess,
};
