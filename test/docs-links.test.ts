// The README and docs/ link to each other, to source files and to images: every relative
// link must name a file that exists, every #anchor a heading of the page it points at (as
// GitHub derives heading anchors), and every image must exist. The screenshots folder
// holds exactly the screens the end-to-end test writes with `npm run screenshots`
// (helpers/docs-screenshots.ts), each a small PNG at the test's viewport width, so no
// screenshot can be copied in by hand or left behind when a screen is renamed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/fixtures.ts';
import {
  DOCS_SCREENSHOT_DIR,
  DOCS_SCREENSHOTS,
  E2E_VIEWPORT,
  MAX_DOCS_SCREENSHOT_BYTES,
} from './helpers/docs-screenshots.ts';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}

const DOCS = [path.join(REPO_ROOT, 'README.md'), ...markdownFiles(path.join(REPO_ROOT, 'docs'))];

/** The page's text without fenced code blocks (their brackets are code, not links). */
function prose(file: string): string {
  return readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
}

interface Link {
  readonly image: boolean;
  readonly target: string;
}

function linksOf(file: string): Link[] {
  return [...prose(file).matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({
    image: m[1] === '!',
    target: m[2]!,
  }));
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to '-'. */
function headingAnchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(file).matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const slug = heading!
      .trim()
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z+.-]*:/i.test(target);

function relative(file: string): string {
  return path.relative(REPO_ROOT, file);
}

describe('links and images in the README and docs/', () => {
  it('finds the pages and their links', () => {
    expect(DOCS.length).toBeGreaterThan(10);
    expect(DOCS.flatMap(linksOf).filter((l) => l.image).length).toBeGreaterThanOrEqual(8);
  });

  it('every relative link and image names a file that exists', () => {
    const broken = DOCS.flatMap((file) =>
      linksOf(file)
        .filter(({ target }) => !isExternal(target) && !target.startsWith('#'))
        .filter(({ target }) => {
          const resolved = path.resolve(path.dirname(file), decodeURI(target.split('#')[0]!));
          try {
            statSync(resolved);
            return false;
          } catch {
            return true;
          }
        })
        .map(({ target }) => `${relative(file)}: ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('every #anchor names a heading of the page it points at', () => {
    const anchorsOf = new Map<string, Set<string>>();
    const broken = DOCS.flatMap((file) =>
      linksOf(file)
        .filter(({ target }) => !isExternal(target) && target.includes('#'))
        .filter(({ target }) => {
          const [page, anchor] = target.split('#') as [string, string];
          const resolved = page ? path.resolve(path.dirname(file), decodeURI(page)) : file;
          if (!resolved.endsWith('.md')) return false; // a line anchor in a source file
          if (!anchorsOf.has(resolved)) anchorsOf.set(resolved, headingAnchors(resolved));
          return !anchorsOf.get(resolved)!.has(anchor);
        })
        .map(({ target }) => `${relative(file)}: ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('anchors are derived as GitHub derives them', () => {
    const page = path.join(REPO_ROOT, 'docs', 'security.md');
    expect(headingAnchors(page)).toContain('obfuscated-tier--security-analysis');
  });
});

describe('docs/screenshots/', () => {
  it('holds exactly the screens the end-to-end test writes', () => {
    const files = readdirSync(DOCS_SCREENSHOT_DIR).sort();
    expect(files).toEqual(DOCS_SCREENSHOTS.map((name) => `${name}.png`).sort());
  });

  it('every screenshot is shown by the docs', () => {
    const shown = new Set(
      DOCS.flatMap((file) =>
        linksOf(file)
          .filter((l) => l.image && !isExternal(l.target))
          .map((l) => path.resolve(path.dirname(file), decodeURI(l.target))),
      ),
    );
    const unshown = DOCS_SCREENSHOTS.map((name) =>
      path.join(DOCS_SCREENSHOT_DIR, `${name}.png`),
    ).filter((file) => !shown.has(file));
    expect(unshown.map(relative)).toEqual([]);
  });

  it.each(DOCS_SCREENSHOTS)('%s.png is a small PNG at the test viewport width', (name) => {
    const bytes = readFileSync(path.join(DOCS_SCREENSHOT_DIR, `${name}.png`));
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(bytes.readUInt32BE(16)).toBe(E2E_VIEWPORT.width); // IHDR width
    expect(bytes.length).toBeLessThanOrEqual(MAX_DOCS_SCREENSHOT_BYTES);
  });
});
