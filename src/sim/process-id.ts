/**
 * Process ids: a simulated process runs one incarnation at a time, and its env's `id` names both,
 * `worker-2#1` (process `worker-2`, incarnation 1). Real mode writes `name#pid` the same way. This
 * module is the only place that builds or takes apart that string.
 */

export interface ProcessId {
  /** The process (machine) name, e.g. `worker-2`; it survives restarts. */
  readonly name: string;
  /** Which incarnation of it, from 1; undefined for an id without one (`world`, a real log's file name). */
  readonly incarnation: number | undefined;
}

/** `worker-2`, 3 → `worker-2#3`. */
export function formatProcessId(name: string, incarnation: number): string {
  return `${name}#${incarnation}`;
}

/** `worker-2#3` → `{ name: 'worker-2', incarnation: 3 }`; an id without a `#number` suffix is all name. */
export function parseProcessId(id: string): ProcessId {
  const hash = id.lastIndexOf('#');
  const suffix = hash < 0 ? '' : id.slice(hash + 1);
  if (!/^\d+$/.test(suffix)) return { name: id, incarnation: undefined };
  return { name: id.slice(0, hash), incarnation: Number(suffix) };
}

/** The process name of an id: `worker-2#3` → `worker-2`. */
export function processName(id: string): string {
  return parseProcessId(id).name;
}
