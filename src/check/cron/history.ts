/**
 * What the cron-leader invariants judge, read from the trace: every run of the task (by tick), each
 * server incarnation's life, and the crashes, pauses and clock steps that may excuse a missed tick. The checkers
 * are pure functions of this, so a test can feed them a hand-made bad history.
 */
import { processEvents } from '../../sim/events.js';
import { processName } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';
import { cronEvents } from '../../systems/cron/events.js';

/** One run of the task. Times are true virtual ms; seqs order events exactly. */
export interface CronRunRecord {
  readonly name: string;
  /** The scheduled instant the run is for: its identity. */
  readonly tick: number;
  readonly pid: string;
  readonly startedAt: number;
  readonly startedSeq: number;
  /** Absent while it still ran at the end. */
  readonly endedAt?: number;
  readonly endedSeq?: number;
  /** `crashed`: its server died mid-run. */
  readonly outcome: 'done' | 'failed' | 'crashed' | 'unfinished';
}

/** One incarnation of a server, from start to crash or exit (open-ended when still running). */
export interface ServerLife {
  readonly server: string;
  readonly pid: string;
  readonly from: number;
  readonly to?: number;
}

/** A crash (a point) or a pause (an interval) of a server. */
export interface Disturbance {
  readonly kind: 'crash' | 'pause';
  readonly server: string;
  readonly from: number;
  readonly to: number;
}

/** A step of a server's wall clock (its skew set anew): `ms` > 0 is forward. */
export interface ClockStep {
  readonly server: string;
  readonly at: number;
  readonly ms: number;
}

export interface CronHistory {
  readonly runs: readonly CronRunRecord[];
  readonly lives: readonly ServerLife[];
  readonly disturbances: readonly Disturbance[];
  /** Absent in hand-made histories and real traces: no step is known. */
  readonly clockSteps?: readonly ClockStep[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Builds the history of the servers named `servers` from a trace. */
export function cronHistoryFromTrace(trace: readonly TraceEvent[], servers: readonly string[]): CronHistory {
  const known = new Set(servers);
  const runs: Mutable<CronRunRecord>[] = [];
  const open = new Map<string, Mutable<CronRunRecord>>();
  const lives = new Map<string, Mutable<ServerLife>>();
  const disturbances: Disturbance[] = [];
  const clockSteps: ClockStep[] = [];
  // Skew belongs to the machine (it survives restarts) and starts at zero.
  const skews = new Map<string, number>();
  for (const event of trace) {
    if (!processEvents.is(event) && !cronEvents.is(event)) continue;
    const server = processName(event.pid);
    if (!known.has(server)) continue;
    switch (event.kind) {
      case 'process.start':
        lives.set(event.pid, { server, pid: event.pid, from: event.t });
        break;
      case 'process.crash':
      case 'process.exit':
      case 'process.error': {
        const life = lives.get(event.pid);
        if (life) life.to = event.t;
        const run = open.get(event.pid);
        if (run) Object.assign(run, { endedAt: event.t, endedSeq: event.seq, outcome: 'crashed' });
        open.delete(event.pid);
        if (event.kind === 'process.crash') disturbances.push({ kind: 'crash', server, from: event.t, to: event.t });
        break;
      }
      case 'process.pause':
        disturbances.push({ kind: 'pause', server, from: event.t, to: event.data.untilMs });
        break;
      case 'process.skew': {
        const ms = event.data.skewMs - (skews.get(server) ?? 0);
        skews.set(server, event.data.skewMs);
        if (ms !== 0) clockSteps.push({ server, at: event.t, ms });
        break;
      }
      case 'cron.run.start': {
        const run: Mutable<CronRunRecord> = { name: event.data.name, tick: event.data.tick, pid: event.pid, startedAt: event.t, startedSeq: event.seq, outcome: 'unfinished' };
        runs.push(run);
        open.set(event.pid, run);
        break;
      }
      case 'cron.run.end': {
        const run = open.get(event.pid);
        if (run) Object.assign(run, { endedAt: event.t, endedSeq: event.seq, outcome: event.data.outcome === 'failed' ? 'failed' : 'done' });
        open.delete(event.pid);
        break;
      }
    }
  }
  return { runs, lives: [...lives.values()], disturbances, clockSteps };
}
