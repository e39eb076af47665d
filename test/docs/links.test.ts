import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchor, packageRoot } from '../../scripts/cli-reference.js';

// The README and docs/ link to each other by relative paths and heading anchors; a page renamed or
// a heading reworded must not leave a link pointing nowhere, and no page may point outside the
// repository.
const root = packageRoot();

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

/** The page's text with fenced code blocks and inline code taken out: links there are examples. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Heading anchors as GitHub makes them, duplicates numbered. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of text.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = anchor(heading.replace(/`/g, '').trim());
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function linksOf(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
}

const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];

describe('links between the README and docs/', () => {
  it('finds the pages', () => {
    expect(pages.map((page) => relative(root, page))).toEqual(expect.arrayContaining(['README.md', join('docs', 'user-guide.md'), join('docs', 'cli.md')]));
  });

  for (const page of pages) {
    it(`${relative(root, page)}: every relative link resolves inside the repository`, () => {
      const text = readFileSync(page, 'utf8');
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
        const [path = '', fragment] = link.split('#');
        const target = path === '' ? page : resolve(dirname(page), path);
        if (relative(root, target).startsWith('..')) broken.push(`${link}: outside the repository`);
        else if (!existsSync(target)) broken.push(`${link}: no such file`);
        else if (fragment !== undefined && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(fragment)) broken.push(`${link}: no heading #${fragment}`);
      }
      expect(broken).toEqual([]);
    });
  }
});
