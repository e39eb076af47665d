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
}
