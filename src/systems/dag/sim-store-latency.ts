/**
 * A run-log store as a simulated process reaches it: every call takes time, as a database round trip
 * does. Each call waits a request latency before it takes effect and a response latency after (a write
 * of rows none: see `write`), both slept through the caller's `env.sleep`: a caller that crashes on the way there never wrote anything;
 * one that crashes on the way back wrote a row it never heard of; a paused one reaches the store only
 * when it wakes, when its lease may be gone (the store judges that by its own clock as the call lands).
 *
 * Without it a store call takes no simulated time, and no crash can fall between two steps of the
 * caller that a real database round trip separates: between starting a job and writing the row that
 * names it, say. The latencies come from `latencyMs`, a stream of the scenario's own, so the
 * caller's own draws stay as they were.
 */
import type { Env } from '../../env/env.js';
import type { LockBackend } from '../../locks/lock.js';
import type { DagStore, RunLogEntry } from './run-log.js';

/**
 * Where a write of rows (one `append`, or one `commit` of any number) stands when `landing` is called:
 * about to land, or landed and its answer not yet sent. A fault may strike the caller there
 * (`crash-in-call`): a promise that never settles.
 */
export type RowLanding = (phase: 'before' | 'after', entries: readonly RunLogEntry[]) => Promise<void> | undefined;

/** `store` as the process of `env` reaches it, each way of each call taking `latencyMs()` ms. */
export function withStoreLatency(store: DagStore, env: Env, latencyMs: () => number, landing?: RowLanding): DagStore {
  async function call<T>(perform: () => Promise<T>): Promise<T> {
    await env.sleep(latencyMs());
    const result = await perform();
    await env.sleep(latencyMs());
    return result;
  }
  /**
   * A write of rows answers in the instant it lands: the runner's `dag.row` is the trace's account of
   * when the store took the row, which `rows-under-lease` judges against the lease as the store held
   * it then; an answer heard later would be judged against a lease that lapsed after the row landed.
   * A crash after the rows landed and before the runner heard of it is still there (`after`).
   */
  async function write(entries: readonly RunLogEntry[], perform: () => Promise<boolean>): Promise<boolean> {
    await env.sleep(latencyMs());
    const before = landing?.('before', entries);
    if (before !== undefined) await before;
    const written = await perform();
    const after = landing?.('after', entries);
    if (after !== undefined) await after;
    return written;
  }
  const lock: LockBackend = store.runnerLock;
  return {
    description: store.description,
    append: (entry, fence) => write([entry], () => store.append(entry, fence)),
    commit: (entries, options) => write(entries, () => store.commit(entries, options)),
    runnerLock: {
      name: lock.name,
      tryAcquire: (key, owner, ttlMs) => call(() => lock.tryAcquire(key, owner, ttlMs)),
      renew: (lease, ttlMs) => call(() => lock.renew(lease, ttlMs)),
      release: (lease) => call(() => lock.release(lease)),
      ...(lock.close === undefined ? {} : { close: () => lock.close!() }),
    },
    breakLease: (key, owner) => call(() => store.breakLease(key, owner)),
    leaseHolder: (key) => call(() => store.leaseHolder(key)),
    entries: (pipeline) => call(() => store.entries(pipeline)),
    enqueue: (command) => call(() => store.enqueue(command)),
    pending: (pipeline) => call(() => store.pending(pipeline)),
    outputs: (pipeline, job) => call(() => store.outputs(pipeline, job)),
    close: () => store.close(),
  };
}
