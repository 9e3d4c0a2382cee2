// What the Chromium tests share: where Debian's Chromium is, the flags it needs in a
// container (headless, no sandbox, no GPU, nothing phoning home), and a renderer build
// into a test's own folder (so a running `npm run preview` is untouched).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './fixtures.ts';

export const CHROMIUM = process.env.SEALSIGHT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function buildRenderer(outDir: string): Promise<void> {
  await promisify(execFile)(
    path.join(REPO_ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'src-renderer/vite.config.ts', '--outDir', outDir, '--logLevel', 'warn'],
    { cwd: REPO_ROOT },
  );
}
