/**
 * Where fault kinds are looked up: a scenario's plans may hold the kernel's kinds and the kinds the
 * scenario declares (its own, and the shared `stall` and `slow-calls`). A scenario's kind replaces a
 * kernel kind of the same name (the bucket scenario draws `fs-error` aimed at one operation).
 */
import { KERNEL_FAULT_KINDS } from './kernel.js';
import type { FaultKind, Magnitude } from './kind.js';

export type FaultKinds<S = unknown, P = unknown> = ReadonlyMap<string, FaultKind<S, P>>;

/** The kernel's kinds, then the scenario's own, by name. */
export function faultKindsOf<S, P>(own: readonly FaultKind<S, P>[] = []): FaultKinds<S, P> {
  const kinds = new Map<string, FaultKind<S, P>>(KERNEL_FAULT_KINDS.map((kind) => [kind.name, kind as FaultKind<S, P>]));
  for (const kind of own) kinds.set(kind.name, kind);
  return kinds;
}

/** The magnitude fields of every kind, by name (for shrinking). */
export function magnitudesOf(kinds: FaultKinds<never, never>): Readonly<Record<string, readonly Magnitude[]>> {
  return Object.fromEntries([...kinds].map(([name, kind]) => [name, kind.magnitudes ?? []]));
}
