/**
 * The real nemesis: strikes each action of a plan at its real time past the run's start, through the
 * supervisor, and records it in the trace as `fault.<kind>` (the same event a simulated plan
 * records) with `applied: false` when its target was not running then (a kill of a process already
 * dead is still part of the plan, but did nothing).
 */
import type { RealFault, RealPlan } from './plan.js';
import type { Supervisor } from './supervisor.js';

export interface NemesisRun {
  /** Resolves when every action has struck and every pause has ended. */
  readonly done: Promise<void>;
  /** Actions that found their target running. */
  applied(): number;
  /** Cancels the actions not yet struck. */
  cancel(): void;
}

export function startNemesis(supervisor: Supervisor, plan: RealPlan, startMs: number): NemesisRun {
  const timers = new Set<NodeJS.Timeout>();
  let applied = 0;
  let cancelled = false;
  const strikes = plan.map(
    (fault) =>
      new Promise<void>((resolveStrike) => {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            if (cancelled) return resolveStrike();
            void strike(supervisor, fault).then((hit) => {
              if (hit) applied += 1;
              supervisor.record(`fault.${fault.kind}`, { ...fault, applied: hit });
              // A pause and a full disk last: the plan is over once they have ended too.
              const lasts = (fault.kind === 'pause' || fault.kind === 'disk-full') && hit ? fault.ms : 0;
              setTimeout(resolveStrike, lasts);
            });
          },
          Math.max(0, startMs + fault.at - Date.now()),
        );
        timers.add(timer);
      }),
  );
  return {
    done: Promise.all(strikes).then(() => undefined),
    applied: () => applied,
    cancel() {
      cancelled = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

async function strike(supervisor: Supervisor, fault: RealFault): Promise<boolean> {
  switch (fault.kind) {
    case 'kill':
      return supervisor.signal(fault.target, 'SIGKILL');
    case 'term':
      return supervisor.signal(fault.target, 'SIGTERM');
    case 'pause':
      return supervisor.pause(fault.target, fault.ms);
    case 'restart':
      // A live target is killed first: a restart is a fresh incarnation either way.
      await supervisor.kill(fault.target);
      supervisor.start(fault.target);
      return true;
    case 'clock':
      return supervisor.setClockOffset(fault.target, fault.offsetMs);
    case 'sqlite-busy':
      return (await supervisor.storeFaults?.sqliteBusy?.(fault.ms)) ?? false;
    case 'pg-terminate':
      return (await supervisor.storeFaults?.pgTerminate?.()) ?? false;
    case 'disk-full':
      return (await supervisor.storeFaults?.diskFull?.(fault.ms)) ?? false;
  }
}
