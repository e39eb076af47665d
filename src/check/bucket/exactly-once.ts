/**
 * Exactly once: every dropped file is committed exactly once — never twice, never lost.
 *
 * Judged from the trace (how many `bucket.commit` events each file has) and from the final volume:
 * every dropped input still exists somewhere (waiting, processed or rejected); an input marked done
 * has its output; every output belongs to a dropped file with a traced commit; and every output's
 * content is exactly the ETL of its input (a half-read input would show here). Whether every file
 * got done in time is liveness's business, not this checker's.
 */
import type { Violation } from '../violation.js';
import type { TraceEvent } from '../../sim/trace.js';
import { commitsOf, dropsOf, type CommitFact } from './events.js';
import { expectedOutput } from './expected-output.js';
import type { BucketVolume } from './volume.js';
import type { Checker, TraceInput } from '../checker.js';

const EXACTLY_ONCE = 'exactly-once';

export async function checkExactlyOnce(trace: readonly TraceEvent[], volume: BucketVolume): Promise<Violation[]> {
  const violations: Violation[] = [];
  const drops = dropsOf(trace);
  const commitsByFile = new Map<string, CommitFact[]>();
  for (const commit of commitsOf(trace)) commitsByFile.set(commit.file, [...(commitsByFile.get(commit.file) ?? []), commit]);

  for (const [file, commits] of commitsByFile) {
    if (commits.length > 1) {
      const second = commits[1] as CommitFact;
      const who = commits.map((commit) => `${commit.pid} (token ${commit.token})`).join(', ');
      violations.push({ invariant: EXACTLY_ONCE, message: `${file} was committed ${commits.length} times: by ${who}`, atMs: second.t, eventSeq: second.seq, pid: second.pid });
    }
    if (!volume.outputs.has(file)) {
      const first = commits[0] as CommitFact;
      violations.push({ invariant: EXACTLY_ONCE, message: `${file} was committed but its output is not on the volume`, atMs: first.t, eventSeq: first.seq, pid: first.pid });
    }
  }

  for (const [file, drop] of drops) {
    const places = [volume.inbox, volume.processed, volume.rejected, volume.claimed].filter((place) => place.has(file)).length;
    if (places === 0) violations.push({ invariant: EXACTLY_ONCE, message: `${file} was lost: its input is nowhere in the bucket`, atMs: drop.t, eventSeq: drop.seq });
    if (volume.processed.has(file) && !volume.outputs.has(file)) {
      violations.push({ invariant: EXACTLY_ONCE, message: `${file} was marked done but has no output`, atMs: drop.t, eventSeq: drop.seq });
    }
  }

  for (const file of volume.outputs) {
    if (!drops.has(file)) {
      violations.push({ invariant: EXACTLY_ONCE, message: `output for ${file}, which the provider never dropped` });
      continue;
    }
    if (!commitsByFile.has(file)) violations.push({ invariant: EXACTLY_ONCE, message: `output for ${file} appeared without a traced commit` });
    const inputPath = volume.processed.has(file) ? `${volume.dir}/processed/${file}` : volume.inbox.has(file) ? `${volume.dir}/${file}` : undefined;
    if (inputPath === undefined) continue;
    const [input, output] = await Promise.all([volume.readText(inputPath), volume.readText(`${volume.dir}/output/${file.replace(/\.txt$/, '.tsv')}`)]);
    let expected: string;
    try {
      expected = expectedOutput(input);
    } catch {
      violations.push({ invariant: EXACTLY_ONCE, message: `${file} was committed although its input is not valid` });
      continue;
    }
    if (output !== expected) {
      violations.push({ invariant: EXACTLY_ONCE, message: `the output of ${file} is not the ETL of its input (${output.length} bytes, expected ${expected.length})` });
    }
  }
  return violations;
}

export const exactlyOnce: Checker<TraceInput & { readonly volume: BucketVolume }> = {
  name: EXACTLY_ONCE,
  description: 'every dropped file is committed exactly once, with the right output, and no input is ever lost',
  check: ({ trace, volume }) => checkExactlyOnce(trace, volume),
};
