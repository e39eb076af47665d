/**
 * The abort listeners a world's sleeps hang on the signals they are given, kept so that the world
 * takes off, when it ends, those still attached.
 *
 * A sleep that never ends (its process crashed, or the run stopped at the horizon while it waited)
 * would otherwise leave its listener on the signal for good. For most signals that costs nothing:
 * the signal becomes garbage with the run. But Node keeps a composite signal (`AbortSignal.any`)
 * or a timeout signal that has an abort listener in a global set until it aborts, and one whose
 * sources never abort stays there for the life of the thread — and with it the listener, the
 * sleeping process, and through it the whole world: its trace, volume and state. A campaign of
 * thousands of seeds grew by the size of a world per seed that way.
 */
/** Listener options: one object for every sleep rather than one each. */
const ONCE = { once: true } as const;

export class AbortListeners {
  /** Each listener still attached, with its signal. */
  private readonly attached = new Map<() => void, AbortSignal>();

  /** Attaches `listener` to `signal`, to fire once. */
  add(signal: AbortSignal, listener: () => void): void {
    signal.addEventListener('abort', listener, ONCE);
    this.attached.set(listener, signal);
  }

  /** Takes `listener` off its signal (the sleep ended without an abort). */
  remove(listener: () => void): void {
    const signal = this.attached.get(listener);
    if (signal === undefined) return;
    this.attached.delete(listener);
    signal.removeEventListener('abort', listener);
  }

  /** Forgets `listener`, which has fired: a listener added to fire once is already off its signal. */
  fired(listener: () => void): void {
    this.attached.delete(listener);
  }

  /** Takes every listener still attached off its signal: nothing the world scheduled fires any more. */
  clear(): void {
    for (const [listener, signal] of this.attached) signal.removeEventListener('abort', listener);
    this.attached.clear();
  }

  /** How many listeners are attached (for tests). */
  get size(): number {
    return this.attached.size;
  }
}
