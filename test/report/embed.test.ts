import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { contentSecurityPolicy, cspHash, embedJson, escapeHtml } from '../../src/report/embed.js';

describe('embedding data in a script element', () => {
  const hostile = { file: '</script><script>alert(1)</script>', note: '<!-- & \u2028 \u2029 -->' };

  test('no character that could end the element or open a tag survives', () => {
    const text = embedJson(hostile);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(text).toContain('\\u003c/script\\u003e');
  });

  test('the escaped text parses back to the same value', () => {
    expect(JSON.parse(embedJson(hostile))).toEqual(hostile);
  });
});

describe('escapeHtml', () => {
  test('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('the content security policy', () => {
  test('allows exactly the given script and style by their SHA-256, and nothing from the network', () => {
    const policy = contentSecurityPolicy('run()', 'body{}');
    expect(cspHash('run()')).toBe(`'sha256-${createHash('sha256').update('run()').digest('base64')}'`);
    expect(policy).toContain(`default-src 'none'`);
    expect(policy).toContain(`script-src ${cspHash('run()')}`);
    expect(policy).toContain(`style-src ${cspHash('body{}')}`);
    expect(policy).toContain('img-src data:');
    expect(policy).not.toMatch(/https?:|unsafe-eval/);
  });
});
