/**
 * Opening reports in real Chromium: Debian's `/usr/bin/chromium` driven by playwright-core, headless,
 * with every background fetch Chromium would make on its own switched off, so any request a test sees
 * came from the page. Nothing here downloads a browser.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../cli/helpers.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where tests save what the report looked like. */
export const SCREENSHOT_DIR = join(ROOT, 'reports', 'screenshots');

/** Why the browser tests cannot run here, or undefined when they can. Under CI a missing browser is a failure, not a skip. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(`CI needs the browser tests: ${reason}`);
  return reason;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A report opened in a fresh page, with what it logged, requested and tried to pop up. */
export interface OpenedReport {
  readonly page: Page;
  readonly url: string;
  /** Console errors and uncaught exceptions, CSP refusals included. */
  readonly errors: string[];
  /** Every URL the page requested, the report's own file:// URL included. */
  readonly requests: string[];
  /** alert/confirm/prompt dialogs (dismissed): a hostile string that ran would show here. */
  readonly dialogs: string[];
}

export async function openReport(browser: Browser, path: string, viewport = { width: 1400, height: 1000 }): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(path).href;
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // Drawn, or failed: an uncaught error ends the wait at once instead of at the timeout.
  const failed = new Promise<never>((_resolve, reject) => page.once('pageerror', (error) => reject(new Error(`${path} failed to draw: ${error.message}`))));
  failed.catch(() => undefined);
  await page.goto(url, { waitUntil: 'load' });
  await Promise.race([page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 }), failed]);
  return { page, url, errors, requests, dialogs };
}

/** Saves a full-page screenshot as `reports/screenshots/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
