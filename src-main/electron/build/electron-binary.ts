// Finding the Electron binary for `npm start` without triggering a download. The electron
// npm package (45+) has no install script: it fetches its binary on first use from
// GitHub, which an offline machine cannot reach, so `require('electron')` would hang or
// fail obscurely. We look for it ourselves and say plainly what is missing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type ElectronBinary =
  { readonly ok: true; readonly path: string } | { readonly ok: false; readonly message: string };

export const MISSING_ELECTRON_HELP = [
  'SealSight needs the Electron binary to start, and it is not installed.',
  'The electron npm package downloads it on first use (from GitHub); npm does not run',
  'that step at install time, and it cannot happen without access to GitHub.',
  'On a machine with internet access run:  npx --no install-electron',
  'then `npm start` again. Without Electron you can still use the browser preview',
  '(`npm run preview`) and the CLI (`npx sealsight`); installers come from the release',
  'workflow (.github/workflows/release.yml).',
].join('\n');

/** What electron's own index.js would run, without its download fallback. */
export function locateElectronBinary(
  electronPackageDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ElectronBinary {
  const pathFile = path.join(electronPackageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? path.join(override, relative ?? 'electron')
    : relative === null
      ? null
      : path.join(electronPackageDir, 'dist', relative);
  if (candidate !== null && existsSync(candidate)) return { ok: true, path: candidate };
  const where = candidate ?? path.join(electronPackageDir, 'dist');
  return { ok: false, message: `${MISSING_ELECTRON_HELP}\n(looked for: ${where})` };
}

/**
 * Explains an electron-builder failure caused by what this environment lacks (the
 * Electron zip and native headers are downloaded from GitHub / electronjs.org at
 * packaging time), or returns null for any other failure.
 */
export function explainDistFailure(message: string): string | null {
  const offline =
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|dial tcp|no such host|network is unreachable|socket hang up|proxyconnect|certificate|github\.com|electronjs\.org/i;
  if (!offline.test(message)) return null;
  return [
    'Packaging failed because electron-builder could not download what it needs:',
    'the Electron release zip for this platform (and, for some targets, helper tools)',
    'come from GitHub at packaging time, and GitHub could not be reached from here',
    'beyond the npm registry. Build the installers where that download works: the',
    'release workflow (.github/workflows/release.yml) runs `npm run dist` on Linux,',
    'Windows and macOS runners. Or pre-fill the electron cache (ELECTRON_CACHE) with',
    'the Electron zip of the version in package.json and run `npm run dist` again.',
  ].join('\n');
}
