// The screenshots the README and docs show are taken by the end-to-end test, so they always
// show today's UI: `npm run screenshots` runs it with SEALSIGHT_SCREENSHOTS naming the
// folder (docs/screenshots), and each screen named here is written there as the docs name
// it. Without the variable nothing is written outside test-results/. The PNGs are
// palette-quantised (sharp) to keep the repository small; test/docs-links.test.ts checks
// that the folder holds exactly these files and that every image the docs show exists.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT } from './fixtures.ts';

/** The screens the docs show, by file name (without .png) in docs/screenshots/. */
export const DOCS_SCREENSHOTS = [
  'vault-create',
  'import-report',
  'gallery-classified',
  'review',
  'model',
  'search',
  'security',
] as const;
export type DocsScreenshot = (typeof DOCS_SCREENSHOTS)[number];

/** The end-to-end test's window: the docs' screenshots are this wide (full-page height). */
export const E2E_VIEWPORT = { width: 1280, height: 860 } as const;

export const DOCS_SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs', 'screenshots');

/** The largest PNG the docs keep (bytes): a screen above it needs a smaller capture. */
export const MAX_DOCS_SCREENSHOT_BYTES = 300_000;

/** Where to write the docs' screenshots, or null when the run should write none. */
export function docsScreenshotDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env.SEALSIGHT_SCREENSHOTS;
  return dir ? path.resolve(REPO_ROOT, dir) : null;
}

/** Writes one screen's PNG (as the page gave it) into `dir`, quantised to a palette. */
export async function writeDocsScreenshot(
  dir: string,
  name: DocsScreenshot,
  png: Buffer,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const small = await sharp(png).png({ palette: true, compressionLevel: 9, effort: 10 }).toBuffer();
  await writeFile(path.join(dir, `${name}.png`), small);
}
