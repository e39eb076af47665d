/**
 * The report page's own code: esbuild's bundle of src/report/client/, inlined into every page and
 * allowed by its hash. The page must stay one file that runs nothing else, and a built simrun must
 * inline the same code the sources make.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bundleClientSources, CLIENT_BUNDLE_FILES, clientBundle } from '../../src/report/client-bundle.js';
import { cspHash } from '../../src/report/embed.js';
import { renderRunReport } from '../../src/report/html.js';
import { ROOT } from '../cli/helpers.js';
import { syntheticBucketRun } from './synthetic-run.js';

const SOURCES = join(ROOT, 'src', 'report', 'client');
const BUILT = join(ROOT, 'dist', 'src', 'report');

/** What `pattern` captures at its one match in `html`. */
function element(html: string, pattern: RegExp): string {
  const matches = [...html.matchAll(pattern)];
  expect(matches).toHaveLength(1);
  return matches[0]?.[1] ?? '';
}

describe('the report page inlines its own bundled code', () => {
  const html = renderRunReport(syntheticBucketRun({ events: 200, hostile: true }));
  const policy = element(html, /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g).replace(/&#39;/g, "'");
  const script = element(html, /<script>([\s\S]*?)<\/script>/g);
  const style = element(html, /<style>([\s\S]*?)<\/style>/g);

  test('the policy allows exactly the inlined script and stylesheet, and nothing from anywhere', () => {
    expect(policy).toContain(`script-src ${cspHash(script)};`);
    expect(policy).toContain(`style-src ${cspHash(style)};`);
    expect(policy).toContain(`default-src 'none'`);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  test('the inlined code is the bundle of the client sources: one script, one stylesheet', () => {
    const bundle = bundleClientSources(SOURCES);
    expect(script).toBe(bundle.script);
    expect(style).toBe(bundle.style);
    expect(clientBundle()).toEqual(bundle);
    // Self-contained: nothing left for a browser to load or a module system to resolve.
    expect(script).not.toMatch(/^\s*(import|export)\s|require\(/m);
    expect(style).not.toMatch(/@import|url\(/);
    // Every client module is in it: the stylesheet, both views and the run page's parts.
    for (const name of ['renderCampaign', 'renderRunHeader', 'createTimeline', 'createEventLog', 'renderFilesTable']) expect(script).toContain(`function ${name}(`);
    expect(style).toContain('.timeline-wrap');
  });
});

describe('the built bundle', () => {
  test('npm run build wrote the same bundle the sources make, where the compiled code reads it', () => {
    const builtScript = join(BUILT, CLIENT_BUNDLE_FILES.script);
    const builtStyle = join(BUILT, CLIENT_BUNDLE_FILES.style);
    expect(existsSync(builtScript) && existsSync(builtStyle), `no built bundle in ${BUILT}: run npm run build`).toBe(true);
    const bundle = bundleClientSources(SOURCES);
    expect(readFileSync(builtScript, 'utf8')).toBe(bundle.script);
    expect(readFileSync(builtStyle, 'utf8')).toBe(bundle.style);
  });
});
