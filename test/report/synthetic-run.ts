/**
 * RunResult objects built by hand, for what real scenarios do not (yet) produce on demand: a bucket run
 * with locks, claims, crashes, pauses and faults; a file with a hostile name; a trace of any length.
 * Deterministic: a fixed linear congruential sequence stands in for randomness.
 */
import type { Violation } from '../../src/check/violation.js';
import type { Fault } from '../../src/sim/faults.js';
import { traceHash, type TraceEvent } from '../../src/sim/trace.js';
import type { RunResult } from '../../src/scenario/run.js';

export const HOSTILE_FILE = '<img src=x onerror=alert(1)>.txt';
export const HOSTILE_MESSAGE = '</script><script>alert(2)</script> & "quotes"';

export interface SyntheticOptions {
  /** How many trace events to produce, at least. */
  readonly events: number;
  /** Name one dropped file `HOSTILE_FILE` and put `HOSTILE_MESSAGE` into a violation. */
  readonly hostile?: boolean;
  /** Commit one file twice, breaking exactly-once. */
  readonly duplicate?: boolean;
}

const EPOCH_MS = Date.UTC(2020, 7, 18, 0, 0);
const DROP_EVERY_MS = 15 * 60_000;

export function syntheticBucketRun(options: SyntheticOptions): RunResult {
  const trace: TraceEvent[] = [];
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const log = (t: number, pid: string, kind: string, data?: Record<string, unknown>): TraceEvent => {
    const event: TraceEvent = data === undefined ? { seq: trace.length, t, pid, kind } : { seq: trace.length, t, pid, kind, data };
    trace.push(event);
    return event;
  };
  const plan: Fault[] = [
    { at: 2 * 3_600_000 + 5 * 60_000, kind: 'crash', target: 'worker-1' },
    { at: 2 * 3_600_000 + 20 * 60_000, kind: 'restart', target: 'worker-1' },
    { at: 4 * 3_600_000, kind: 'pause', target: 'worker-2', ms: 25 * 60_000 },
    { at: 5 * 3_600_000, kind: 'fs-error', target: 'worker-2', op: 'rename', code: 'EIO', count: 1 },
  ];
  const pending = [...plan];
  const incarnation: Record<string, number> = { 'worker-1': 1, 'worker-2': 1 };
  const busyUntil: Record<string, number> = { 'worker-1': 0, 'worker-2': 0 };
  const crashedUntil: Record<string, number> = {};
  const violations: Violation[] = [];
  let token = 0;

  log(EPOCH_MS, 'provider#1', 'process.start');
  for (const name of ['worker-1', 'worker-2']) log(EPOCH_MS, `${name}#1`, 'process.start');
  let t = EPOCH_MS;
  for (let file = 0; trace.length < options.events; file += 1) {
    const dropAt = EPOCH_MS + file * DROP_EVERY_MS + Math.floor(next() * 60_000);
    // Faults due before this drop happen first, as the world would apply them.
    while (pending.length > 0 && EPOCH_MS + (pending[0] as Fault).at <= dropAt) {
      const fault = pending.shift() as Fault;
      const at = EPOCH_MS + fault.at;
      const target = fault.target as string;
      log(at, 'world', `fault.${fault.kind}`, { ...fault });
      const pid = `${target}#${incarnation[target]}`;
      if (fault.kind === 'crash') {
        log(at, pid, 'process.crash');
        crashedUntil[target] = Infinity;
      } else if (fault.kind === 'restart') {
        incarnation[target] = (incarnation[target] ?? 1) + 1;
        log(at, `${target}#${incarnation[target]}`, 'process.start');
        crashedUntil[target] = 0;
        busyUntil[target] = at;
      } else if (fault.kind === 'pause') {
        log(at, pid, 'process.pause', { ms: fault.ms, untilMs: at + Number(fault.ms) });
        busyUntil[target] = Math.max(busyUntil[target] ?? 0, at + Number(fault.ms));
      }
    }
    const name = options.hostile && file === 3 ? HOSTILE_FILE : fileName(EPOCH_MS + file * DROP_EVERY_MS);
    t = Math.max(t, dropAt);
    log(t, 'provider#1', 'bucket.drop', { file: name, minutes: 1 + Math.floor(next() * 20) });
    log(t, 'provider#1', 'fs.writeFile', { path: `/bucket/${name}` });
    const alive = ['worker-1', 'worker-2'].filter((w) => (crashedUntil[w] ?? 0) !== Infinity);
    const worker = alive.sort((a, b) => (busyUntil[a] ?? 0) - (busyUntil[b] ?? 0))[0] as string;
    const pid = `${worker}#${incarnation[worker]}`;
    let at = Math.max(t, busyUntil[worker] ?? 0) + 200;
    token += 1;
    log(at, pid, 'lock.acquired', { backend: 'memory', key: 'bucket/claims', owner: pid, token, expiresAt: at + 30_000 });
    log(at + 40, pid, 'bucket.claim', { file: name, token });
    log(at + 80, pid, 'lock.released', { backend: 'memory', key: 'bucket/claims', owner: pid, token, released: true });
    at += 100;
    log(at, pid, 'bucket.process.start', { file: name });
    const work = Math.floor((2 + next() * 10) * 60_000);
    log(at + work, pid, 'fs.rename', { path: `/bucket/${name}` });
    log(at + work, pid, 'bucket.process.end', { file: name });
    const commit = log(at + work + 50, pid, 'bucket.commit', { file: name, token });
    if (options.duplicate && file === 5) {
      const other = alive.find((w) => w !== worker) ?? worker;
      const twice = log(at + work + 70, `${other}#${incarnation[other]}`, 'bucket.commit', { file: name, token: token - 1 });
      violations.push({ invariant: 'exactly-once', message: `${name} committed twice (tokens ${token} and ${token - 1})`, atMs: twice.t, eventSeq: twice.seq, pid: twice.pid });
    }
    if (options.hostile && file === 3) {
      violations.push({ invariant: 'fencing-monotonic', message: HOSTILE_MESSAGE, atMs: commit.t, eventSeq: commit.seq, pid });
    }
    busyUntil[worker] = at + work + 100;
    if ((file + 1) % 5 === 0) log(at + work + 60, pid, 'bucket.stats', { files: 5, totalMinutes: 42, sumOfSquares: 7.5 });
  }
  trace.sort((a, b) => a.t - b.t || a.seq - b.seq);
  const renumbered = trace.map((event, seq) => ({ ...event, seq }));
  const bySeq = new Map(trace.map((event, index) => [event.seq, index]));
  const fixedViolations = violations.map((v) => ({ ...v, eventSeq: bySeq.get(v.eventSeq as number) as number }));
  const endMs = (renumbered.at(-1)?.t ?? EPOCH_MS) - EPOCH_MS + 60_000;
  const base = {
    scenario: 'bucket',
    seed: 42,
    params: { workers: 2, files: renumbered.filter((e) => e.kind === 'bucket.drop').length },
    plan,
    planSource: 'seed' as const,
    traceHash: traceHash(renumbered),
    events: renumbered.length,
    simulatedMs: endMs,
    wallMs: 850,
    epochMs: EPOCH_MS,
    invariants: [
      { name: 'exactly-once', description: 'every dropped file is committed exactly once' },
      { name: 'fencing-monotonic', description: 'fencing tokens only increase' },
      { name: 'no-uncaught-errors', description: 'no process died of an exception it did not handle' },
    ],
    replay: 'simrun scenario bucket --seed 42',
    trace: renumbered,
  };
  return fixedViolations.length === 0
    ? { ...base, status: 'passed', outcome: 'horizon', violations: [] }
    : { ...base, status: 'violated', outcome: 'horizon', violations: fixedViolations.sort((a, b) => (a.atMs ?? 0) - (b.atMs ?? 0)) };
}

function fileName(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}_${two(d.getUTCMonth() + 1)}_${two(d.getUTCDate())}_${two(d.getUTCHours())}_${two(d.getUTCMinutes())}.txt`;
}
