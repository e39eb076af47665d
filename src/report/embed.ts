/**
 * Putting data and code into one HTML file safely. Data goes into a `<script type="application/json">`
 * block, which the browser never runs; escaping every `<` as `\u003c` means no string inside it, however
 * hostile, can close that block or open another tag. The page's own scripts and styles are allowed by
 * their SHA-256 hashes in the Content-Security-Policy, so nothing else can run.
 */
import { createHash } from 'node:crypto';

/** JSON that is safe inside a `<script>` element: no `<`, and no line separators that old parsers choke on. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Text for HTML element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

/** The CSP source expression (`'sha256-…'`) that allows exactly this inline script or style. */
export function cspHash(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}

/**
 * The page's policy: nothing from anywhere (no network, no plugins, no frames), only the given inline
 * script and style, images only as `data:` URLs, no `<base>` and no form targets.
 */
export function contentSecurityPolicy(script: string, style: string): string {
  return [`default-src 'none'`, `script-src ${cspHash(script)}`, `style-src ${cspHash(style)}`, `img-src data:`, `base-uri 'none'`, `form-action 'none'`].join('; ');
}
