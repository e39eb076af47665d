/**
 * One trace from a real run: each incarnation's log (JSON event lines, as `realEnv` writes them, and
 * printed lines between them) and the supervisor's own events (starts, exits, pauses, nemesis
 * actions), merged by time into the simulator's `TraceEvent` shape, so the checkers under `check/`
 * judge a real run exactly as they judge a simulated one.
 *
 * Every event of an incarnation's log is attributed to that incarnation (`worker-1#2`), whatever id
 * the process gave itself: the supervisor knows which process wrote which file. A printed line takes
 * the time of the event line before it. Each source is already in its own order; the merge keeps it
 * (a stable merge by time), so a worker's statistics line stays right after its commit.
 */
import { readFile } from 'node:fs/promises';
import { parseLogLine } from '../../env/log-line.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Incarnation, SupervisorEvent } from './supervisor.js';

type Unsequenced = Omit<TraceEvent, 'seq'>;

/** One incarnation's log as events, in the order it wrote them. */
export function eventsOfLog(pid: string, text: string, startedAt: number): Unsequenced[] {
  const events: Unsequenced[] = [];
  let t = startedAt;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseLogLine(line);
    if (parsed === undefined) {
      // Half a JSON line is what a kill mid-write leaves: not a printed line.
      if (line.startsWith('{')) continue;
      events.push({ t, pid, kind: 'stdout', data: { line } });
      continue;
    }
    t = Math.max(t, parsed.t);
    events.push(parsed.data === undefined ? { t, pid, kind: parsed.kind } : { t, pid, kind: parsed.kind, data: parsed.data });
  }
  return events;
}

/** Merges sources, each in its own order, by time; ties keep source order. Assigns `seq`. */
export function mergeByTime(sources: ReadonlyArray<readonly Unsequenced[]>): TraceEvent[] {
  const cursors = sources.map(() => 0);
  const merged: TraceEvent[] = [];
  for (;;) {
    let best = -1;
    for (let index = 0; index < sources.length; index++) {
      const event = (sources[index] as readonly Unsequenced[])[cursors[index] as number];
      if (event === undefined) continue;
      if (best < 0 || event.t < ((sources[best] as readonly Unsequenced[])[cursors[best] as number] as Unsequenced).t) best = index;
    }
    if (best < 0) return merged;
    const event = (sources[best] as readonly Unsequenced[])[cursors[best] as number] as Unsequenced;
    cursors[best] = (cursors[best] as number) + 1;
    merged.push({ seq: merged.length, ...event });
  }
}

/** The run's trace: the supervisor's events and every incarnation's log, merged. */
export async function realRunTrace(incarnations: readonly Incarnation[], supervisorEvents: readonly SupervisorEvent[]): Promise<TraceEvent[]> {
  const logs = await Promise.all(
    incarnations.map(async (incarnation) => {
      const text = await readFile(incarnation.logPath, 'utf8').catch(() => '');
      // An incarnation's own lines end where its exit was seen.
      const end = incarnation.exit?.t ?? Number.POSITIVE_INFINITY;
      return eventsOfLog(incarnation.pid, text, incarnation.startedAt).map((event) => (event.t > end ? { ...event, t: end } : event));
    }),
  );
  // A process counts as started at its first line, not at the spawn: Node's own startup (up to
  // seconds on a busy machine) is not the program running, and a checker that asks "was a server
  // alive then?" must not count it.
  const firstLine = new Map<string, number>();
  for (const log of logs) if (log[0] !== undefined) firstLine.set(log[0].pid, log[0].t);
  const own = supervisorEvents.map((event) => (event.kind === 'process.start' && firstLine.has(event.pid) ? { ...event, t: Math.max(event.t, firstLine.get(event.pid) as number) } : event));
  // Supervisor events sort first among equals: a start precedes the process's first line.
  return mergeByTime([own.sort((a, b) => a.t - b.t), ...logs]);
}
