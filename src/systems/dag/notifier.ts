/**
 * How the pipeline tells people what happened: each job's success or failure (with what it
 * blocks), and alerts when an attempt runs too long, prints or generates too much, or is killed. Pluggable: pass any `Notifier`; the console and webhook
 * ones are built in. A notifier that fails never stops the pipeline: the runner logs and carries on.
 */

/**
 * `job-succeeded` and `job-failed` for each job's end; `runtime-exceeded`, `output-exceeded` and
 * `data-exceeded` warn about a running attempt; `runtime-killed` says it was killed at its hard limit.
 */
export type NotificationKind = 'job-succeeded' | 'job-failed' | 'runtime-exceeded' | 'runtime-killed' | 'output-exceeded' | 'data-exceeded';

export interface Notification {
  readonly kind: NotificationKind;
  readonly pipeline: string;
  readonly job: string;
  readonly attempt: number;
  /** The execution the notification is about (process id in real mode). */
  readonly execution: string;
  /** One line for a person. */
  readonly message: string;
  /** By the runner's clock, ms since the Unix epoch. */
  readonly atMs: number;
  /** For `job-failed`: every job downstream that now waits for a restart. */
  readonly blocked?: readonly string[];
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** Prints each notification as one line through `print` (e.g. `env.print`). */
export function consoleNotifier(print: (line: string) => void): Notifier {
  return {
    async notify(notification) {
      print(`[${notification.kind}] ${notification.pipeline}/${notification.job}: ${notification.message}`);
    },
  };
}

/** The part of `fetch` a webhook needs; inject the global one in real mode, a fake in tests. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{ ok: boolean; status: number }>;

/** POSTs each notification as JSON to `url`; a non-2xx answer is an error. */
export function webhookNotifier(url: string, fetch: FetchLike): Notifier {
  return {
    async notify(notification) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(notification) });
      if (!response.ok) throw new Error(`webhook ${url} answered ${response.status}`);
    },
  };
}

/** Sends every notification to each of `notifiers`, in order; one failing does not keep it from the others. */
export function fanOutNotifier(notifiers: readonly Notifier[]): Notifier {
  return {
    async notify(notification) {
      const failures: unknown[] = [];
      for (const notifier of notifiers) await notifier.notify(notification).catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    },
  };
}
