import { CronExpressionParser } from 'cron-parser';
import { describe, expect, test } from 'vitest';
import { parseCronSchedule } from '../../src/systems/cron/schedule.js';

/** The ticks after `fromMs` as cron-parser walks them, one `next()` at a time. */
function walked(expression: string, fromMs: number, count: number): number[] {
  const cursor = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: fromMs });
  return Array.from({ length: count }, () => cursor.next().getTime());
}

describe('a UTC schedule with every day field `*` (ticks by arithmetic)', () => {
  const expressions = ['* * * * *', '*/5 * * * *', '0,30 * * * *', '0 * * * *', '*/15 1-3 * * *', '30 1 * * *', '30 2 * * *', '*/10 0-4 * * *', '*/10 * * * * *', '15 30 6 * * *', '@hourly', '@daily', '59 23 * * *'];
  const starts = [Date.UTC(2020, 7, 18), Date.UTC(2020, 1, 28, 23, 0, 0, 500), Date.UTC(2020, 11, 31, 23, 59, 30), Date.UTC(2021, 2, 28, 0, 59, 59, 999), Date.UTC(2024, 9, 27, 1, 30) - 1];

  test.each(expressions)('%s ticks where cron-parser walks, from any instant', (expression) => {
    const schedule = parseCronSchedule(expression, 'UTC');
    for (const start of starts) {
      const expected = walked(expression, start, 200);
      const ticks: number[] = [];
      for (let tick = schedule.nextAfter(start); ticks.length < 200; tick = schedule.nextAfter(tick)) ticks.push(tick);
      expect(ticks).toEqual(expected);
      // From instants between ticks, on and just before them.
      for (const at of [expected[3]! - 1, expected[3]!, expected[3]! + 1, (expected[10]! + expected[11]!) / 2]) {
        expect(schedule.nextAfter(at)).toBe(walked(expression, at, 1)[0]);
      }
    }
  });

  test('a schedule with a day field, or in another zone, is walked by cron-parser as before', () => {
    const monday = parseCronSchedule('0 0 * * 1', 'UTC');
    expect(monday.nextAfter(Date.UTC(2020, 7, 18))).toBe(Date.UTC(2020, 7, 24));
    const paris = parseCronSchedule('30 2 * * *', 'Europe/Paris');
    expect(paris.nextAfter(Date.UTC(2020, 7, 18))).toBe(Date.UTC(2020, 7, 18, 0, 30));
  });
});
