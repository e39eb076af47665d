/**
 * The built-in notifiers: console lines, webhook POSTs (through an injected fetch), and a fan-out
 * that still reaches every notifier when one fails.
 */
import { describe, expect, test } from 'vitest';
import { consoleNotifier, fanOutNotifier, webhookNotifier, type FetchLike, type Notification } from '../../src/systems/dag/notifier.js';

const NOTIFICATION: Notification = { kind: 'runtime-exceeded', pipeline: 'etl', job: 'load', attempt: 1, execution: '4242', message: 'ran 9 ms, longer than its limit of 5 ms', atMs: 0 };

describe('notifiers', () => {
  test('console: one line with kind, pipeline, job and message', async () => {
    const lines: string[] = [];
    await consoleNotifier((line) => lines.push(line)).notify(NOTIFICATION);
    expect(lines).toEqual(['[runtime-exceeded] etl/load: ran 9 ms, longer than its limit of 5 ms']);
  });

  test('webhook: POSTs the notification as JSON; a non-2xx answer is an error', async () => {
    const calls: Parameters<FetchLike>[] = [];
    let status = 204;
    const fetch: FetchLike = async (url, init) => {
      calls.push([url, init]);
      return { ok: status < 300, status };
    };
    const notifier = webhookNotifier('https://hooks.example.com/x', fetch);
    await notifier.notify(NOTIFICATION);
    expect(calls).toEqual([['https://hooks.example.com/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(NOTIFICATION) }]]);
    status = 500;
    await expect(notifier.notify(NOTIFICATION)).rejects.toThrow('webhook https://hooks.example.com/x answered 500');
  });

  test('fan-out: a failing notifier does not keep the others from being told', async () => {
    const lines: string[] = [];
    const failing = { notify: async () => Promise.reject(new Error('down')) };
    await expect(fanOutNotifier([failing, consoleNotifier((line) => lines.push(line))]).notify(NOTIFICATION)).rejects.toThrow('down');
    expect(lines).toHaveLength(1);
  });
});
