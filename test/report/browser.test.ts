/**
 * The HTML reports in real headless Chromium: they render, log no errors, fetch nothing but their own
 * file, zoom and pan, jump from a violation to its event, keep hostile strings as text, and stay usable
 * with a hundred thousand events. Each test saves a screenshot under reports/screenshots/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderCampaignReport, renderRunReport } from '../../src/report/html.js';
import { simrun } from '../cli/helpers.js';
import { browserUnavailable, launchChromium, openReport, screenshot, type OpenedReport } from './browser.js';
import { buildCampaign } from './campaign-fixture.js';
import { HOSTILE_FILE, HOSTILE_MESSAGE, syntheticBucketRun } from './synthetic-run.js';

const unavailable = browserUnavailable();
const outDir = mkdtempSync(join(tmpdir(), 'simrun-report-browser-'));
const fixture = 'test/fixtures/counter-scenario.ts';

/** The page stayed clean: no console errors, no requests beyond its own file, no dialogs. */
function expectClean(opened: OpenedReport): void {
  expect(opened.errors).toEqual([]);
  expect(opened.requests).toEqual([opened.url]);
  expect(opened.dialogs).toEqual([]);
}

async function visibleRange(page: Page): Promise<{ start: number; end: number; text: string }> {
  const range = page.getByTestId('time-range');
  return {
    start: Number(await range.getAttribute('data-start-ms')),
    end: Number(await range.getAttribute('data-end-ms')),
    text: (await range.textContent()) ?? '',
  };
}

/** Waits for the timeline's next animation frame to have drawn. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

describe.skipIf(unavailable !== undefined)(`HTML reports in Chromium${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('a passing run: verdict, replay command, invariants all kept, timeline, no files table', async () => {
    const run = simrun(['scenario', fixture, '--seed', '3', '--set', 'workers=1', '--report', '--out-dir', outDir]);
    expect(run.status).toBe(0);
    const opened = await openReport(browser, join(outDir, 'counter-3.html'));
    const { page } = opened;
    await expect(page.getByTestId('verdict').textContent()).resolves.toBe('PASSED');
    await expect(page.getByTestId('replay-command').textContent()).resolves.toBe('simrun scenario test/fixtures/counter-scenario.ts --seed 3 --set workers=1');
    expect(await page.getByTestId('trace-hash').textContent()).toMatch(/^[0-9a-f]{64}$/);
    const statuses = await page.getByTestId('invariant').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-name'), row.getAttribute('data-status')]));
    expect(statuses).toEqual([
      ['no-lost-update', 'passed'],
      ['no-uncaught-errors', 'passed'],
      ['graceful-stops', 'passed'],
    ]);
    await expect(page.getByTestId('timeline-svg').count()).resolves.toBe(1);
    await expect(page.getByTestId('files').count()).resolves.toBe(0);
    await page.getByTestId('replay-command-copy').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-command-copy]')?.textContent !== 'Copy');
    await expect(page.getByTestId('replay-command-copy').textContent()).resolves.toMatch(/^(Copied|Selected)$/);
    await screenshot(page, 'run-passed');
    expectClean(opened);
    await page.close();
  });

  test('a failing run: the violated invariant, its violation, and zoom that changes the visible range', async () => {
    const run = simrun(['scenario', fixture, '--seed', '5', '--set', 'workers=3', '--report', '--out-dir', outDir]);
    expect(run.status).toBe(1);
    const opened = await openReport(browser, join(outDir, 'counter-5.html'));
    const { page } = opened;
    await expect(page.getByTestId('verdict').textContent()).resolves.toBe('VIOLATED');
    await expect(page.locator('[data-testid=invariant][data-name=no-lost-update]').getAttribute('data-status')).resolves.toBe('failed');
    await expect(page.getByTestId('violation').first().textContent()).resolves.toContain('the counter is');

    const before = await visibleRange(page);
    await page.getByTestId('zoom-in').click();
    await settle(page);
    const zoomed = await visibleRange(page);
    expect(zoomed.end - zoomed.start).toBeCloseTo((before.end - before.start) / 2, -1);
    expect(zoomed.text).not.toBe(before.text);
    await page.getByTestId('pan-right').click();
    await settle(page);
    const panned = await visibleRange(page);
    expect(panned.start).toBeGreaterThan(zoomed.start);
    expect(panned.end - panned.start).toBe(zoomed.end - zoomed.start);
    await page.getByTestId('zoom-reset').click();
    await settle(page);
    expect(await visibleRange(page)).toEqual(before);
    await screenshot(page, 'run-violated');
    expectClean(opened);
    await page.close();
  });

  test('a real bucket run with the no-fencing mutant: the overlap on the lock lane, the files table, the violation on the timeline', async () => {
    const run = simrun(['scenario', 'bucket', '--seed', '1', '--mutant', 'no-fencing', '--report', '--out-dir', outDir]);
    expect(run.status).toBe(1);
    const opened = await openReport(browser, join(outDir, 'bucket-no-fencing-1.html'));
    const { page } = opened;
    await expect(page.getByTestId('verdict').textContent()).resolves.toBe('VIOLATED');
    await expect(page.locator('[data-testid=invariant][data-status=failed]').count()).resolves.toBeGreaterThan(0);
    await expect(page.getByTestId('file-row').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('[data-testid=timeline-svg] .seg.overlap').count()).resolves.toBeGreaterThan(0);
    await expect(page.getByTestId('violation-flag').count()).resolves.toBeGreaterThan(0);
    await page.getByTestId('timeline-card').scrollIntoViewIfNeeded();
    await screenshot(page, 'run-bucket-no-fencing');
    expectClean(opened);
    await page.close();
  });

  test.each([
    ['client-jobs', []],
    ['cron-leader', ['--set', 'hours=2']],
    ['dag', []],
    ['job-runner', []],
    ['lock', []],
  ])('every built-in scenario renders: %s', async (scenario, extra) => {
    const run = simrun(['scenario', scenario, '--seed', '1', ...extra, '--report', '--out-dir', outDir]);
    expect(run.status).toBe(0);
    const opened = await openReport(browser, join(outDir, `${scenario}-1.html`));
    const { page } = opened;
    await expect(page.getByTestId('verdict').textContent()).resolves.toBe('PASSED');
    await expect(page.getByTestId('invariant').count()).resolves.toBeGreaterThan(1);
    const labels = await page.locator('[data-testid=timeline-svg] .lane-label').allTextContents();
    expect(labels.length).toBeGreaterThan(1);
    await expect(page.getByTestId('log-row').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, `run-${scenario}`);
    expectClean(opened);
    await page.close();
  });

  test('a bucket run: wheel zoom, drag pan, a violation jumps to its event, the files table, hostile names stay text', async () => {
    const result = syntheticBucketRun({ events: 600, hostile: true, duplicate: true });
    const path = join(outDir, 'bucket-hostile.html');
    writeFileSync(path, renderRunReport(result));
    const opened = await openReport(browser, path);
    const { page } = opened;

    // The hostile file name is shown literally, in the files table and the event log, and ran nothing.
    await expect(page.getByTestId('file-name').filter({ hasText: HOSTILE_FILE }).textContent()).resolves.toBe(HOSTILE_FILE);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.getByText(HOSTILE_MESSAGE, { exact: false }).count()).resolves.toBeGreaterThan(0);
    await page.getByTestId('log-search').fill('onerror');
    const matching = result.trace.filter((event) => `${event.kind} ${event.pid} ${JSON.stringify(event.data ?? '')}`.toLowerCase().includes('onerror')).length;
    await page.waitForFunction((count) => document.querySelector('[data-testid=log-count]')?.textContent?.startsWith(`${count} of`), matching);
    const logText = await page.getByTestId('event-log').textContent();
    expect(logText).toContain(HOSTILE_FILE);
    await page.getByTestId('log-search').fill('');

    const rows = await page.getByTestId('file-row').count();
    expect(rows).toBe(result.trace.filter((event) => event.kind === 'bucket.drop').length);
    await expect(page.locator('[data-testid=file-row] .state.duplicate').count()).resolves.toBe(1);

    // Wheel over the plot zooms in around the pointer; dragging pans.
    const full = await visibleRange(page);
    const box = await page.getByTestId('timeline-svg').boundingBox();
    if (box === null) throw new Error('the timeline has no box');
    await page.mouse.move(box.x + box.width * 0.6, box.y + 60);
    await page.mouse.wheel(0, -400);
    await settle(page);
    const wheeled = await visibleRange(page);
    expect(wheeled.end - wheeled.start).toBeLessThan(full.end - full.start);
    await page.mouse.move(box.x + box.width * 0.6, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + 60, { steps: 5 });
    await page.mouse.up();
    await settle(page);
    const dragged = await visibleRange(page);
    expect(dragged.start).toBeGreaterThan(wheeled.start);
    expect(dragged.end - dragged.start).toBeCloseTo(wheeled.end - wheeled.start, 0);

    // A violation jumps to its moment: the log selects its event, the timeline shows its time.
    await page.getByTestId('zoom-reset').click();
    const violation = result.violations.find((v) => v.invariant === 'exactly-once');
    if (violation?.eventSeq === undefined || violation.atMs === undefined) throw new Error('the fixture has no exactly-once violation');
    await page.locator(`[data-testid=violation][data-seq="${violation.eventSeq}"]`).click();
    await settle(page);
    await expect(page.locator('.log-row.selected').getAttribute('data-seq')).resolves.toBe(String(violation.eventSeq));
    await expect(page.locator('.log-row.selected.violating').count()).resolves.toBe(1);
    const focused = await visibleRange(page);
    const at = violation.atMs - result.epochMs;
    expect(focused.start).toBeLessThanOrEqual(at);
    expect(focused.end).toBeGreaterThanOrEqual(at);
    expect(focused.end - focused.start).toBeLessThan(full.end - full.start);

    // Filtering the log by process and kind.
    await page.getByTestId('log-filter-pid').selectOption('worker-1#2');
    await page.getByTestId('log-filter-kind').selectOption('bucket.commit');
    const expected = result.trace.filter((event) => event.pid === 'worker-1#2' && event.kind === 'bucket.commit').length;
    await expect(page.getByTestId('log-count').textContent()).resolves.toBe(`${expected} of ${result.trace.length} events`);
    await page.getByTestId('log-filter-pid').selectOption('');
    await page.getByTestId('log-filter-kind').selectOption('');

    await page.getByTestId('timeline-card').scrollIntoViewIfNeeded();
    await screenshot(page, 'run-bucket-hostile');
    expectClean(opened);
    await page.close();
  });

  test('a campaign: verdict, throughput, fault kinds, each failure with both plans, replay and a link to its run report', async () => {
    const campaign = await buildCampaign(outDir);
    expect(campaign.failures.length).toBeGreaterThan(0);
    const path = join(outDir, 'campaign.json');
    writeFileSync(path, JSON.stringify(campaign));
    const cli = simrun(['report', path, '--out', join(outDir, 'campaign.html')]);
    expect(cli.status).toBe(0);
    const opened = await openReport(browser, join(outDir, 'campaign.html'));
    const { page } = opened;
    await expect(page.getByTestId('verdict').textContent()).resolves.toBe('FAILED');
    await expect(page.getByTestId('fact-runs').textContent()).resolves.toBe(String(campaign.runs));
    await expect(page.getByTestId('fact-failures').textContent()).resolves.toBe(String(campaign.failures.length));
    const kinds = await page.getByTestId('fault-kind-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-kind')).sort());
    expect(kinds).toEqual(Object.keys(campaign.faultKinds).sort());
    await expect(page.getByTestId('failure').count()).resolves.toBe(campaign.failures.length);
    const first = campaign.failures[0];
    if (first === undefined) throw new Error('no failure');
    const card = page.locator(`[data-testid=failure][data-seed="${first.seed}"]`);
    await expect(card.getByTestId('failure-invariant').first().textContent()).resolves.toBe('no-lost-update');
    await expect(card.getByTestId(`replay-${first.seed}`).textContent()).resolves.toBe(first.replay);
    await expect(card.locator('[data-testid=original-plan] tbody tr').count()).resolves.toBe(first.original.plan.length);
    await expect(card.locator('[data-testid=shrunk-plan] tbody tr').count()).resolves.toBe(first.shrunk?.plan.length);
    await expect(card.getByTestId('failure-report').getAttribute('href')).resolves.toBe(first.reportPath);

    // The link leads to that run's report, which opens cleanly too.
    const run = await openReport(browser, join(outDir, first.reportPath ?? ''));
    await expect(run.page.getByTestId('verdict').textContent()).resolves.toBe('VIOLATED');
    expectClean(run);
    await run.page.close();
    await screenshot(page, 'campaign');
    expectClean(opened);
    await page.close();
  });

  test('a campaign link that is not a path stays text', async () => {
    const campaign = await buildCampaign(outDir, 2);
    const hostile = { ...campaign, failures: campaign.failures.map((failure) => ({ ...failure, reportPath: 'javascript:alert(3)' })) };
    const path = join(outDir, 'campaign-hostile.html');
    writeFileSync(path, renderCampaignReport(hostile));
    const opened = await openReport(browser, path);
    await expect(opened.page.locator('a[data-testid=failure-report]').count()).resolves.toBe(0);
    await expect(opened.page.getByTestId('failure-report').first().textContent()).resolves.toBe('javascript:alert(3)');
    await opened.page.getByTestId('failure-report').first().click();
    expectClean(opened);
    await opened.page.close();
  });

  test('a trace of 100,000 events renders, and the event log scrolls to its end with only visible rows in the page', async () => {
    const result = syntheticBucketRun({ events: 100_000 });
    expect(result.trace.length).toBeGreaterThanOrEqual(100_000);
    const path = join(outDir, 'bucket-100k.html');
    writeFileSync(path, renderRunReport(result));
    const opened = await openReport(browser, path);
    const { page } = opened;
    await expect(page.getByTestId('log-count').textContent()).resolves.toBe(`${result.trace.length.toLocaleString('en-US')} of ${result.trace.length.toLocaleString('en-US')} events`);
    const rowsInPage = await page.getByTestId('log-row').count();
    expect(rowsInPage).toBeGreaterThan(10);
    expect(rowsInPage).toBeLessThan(100);
    // Dense lanes are merged per pixel column: far fewer shapes than spans.
    const shapes = await page.locator('[data-testid=timeline-svg] rect, [data-testid=timeline-svg] path, [data-testid=timeline-svg] circle').count();
    expect(shapes).toBeLessThan(20_000);

    await page.getByTestId('event-log').evaluate((viewport) => {
      viewport.scrollTop = viewport.scrollHeight;
    });
    const last = result.trace.length - 1;
    await page.waitForSelector(`[data-testid=log-row][data-seq="${last}"]`);
    await expect(page.getByTestId('log-row').count()).resolves.toBeLessThan(100);
    await page.getByTestId('event-log').scrollIntoViewIfNeeded();
    await screenshot(page, 'run-100k-events-log', false);
    await page.getByTestId('zoom-in').click();
    await settle(page);
    await page.getByTestId('timeline-card').scrollIntoViewIfNeeded();
    await screenshot(page, 'run-100k-events-timeline', false);
    expectClean(opened);
    await page.close();
  });
});
