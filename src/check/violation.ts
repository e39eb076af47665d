/**
 * What a checker returns: one violation per broken promise, pointing at the moment it broke so a
 * report can link to it.
 */
export interface Violation {
  /** The invariant's name, e.g. `exactly-once`. */
  readonly invariant: string;
  /** One sentence a person can act on. */
  readonly message: string;
  /** Virtual ms past the epoch when it happened, when known. */
  readonly atMs?: number;
  /** The trace event (its `seq`) that shows it, when there is one. */
  readonly eventSeq?: number;
  /** The process incarnation involved, when there is one. */
  readonly pid?: string;
  /**
   * The kind of operation that caused it, when the checker knows (`release`, `grant`, `renewal`...):
   * short and free of seeds, times and names, so failures of one cause share it (campaign triage
   * groups by it). The message names the operation itself: who did it, when, to what.
   */
  readonly operation?: string;
}
