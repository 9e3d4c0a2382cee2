// `npm run screenshots`: regenerates the screenshots the README and docs show
// (docs/screenshots/) by running the end-to-end test with SEALSIGHT_SCREENSHOTS set, so they
// are taken of today's UI on the bundled samples, never copied by hand. Needs what the
// end-to-end test needs: Debian's Chromium (or SEALSIGHT_CHROMIUM) and 2–5 minutes.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/e2e/desktop-app.test.ts'],
  {
    cwd: root,
    env: { ...process.env, SEALSIGHT_SCREENSHOTS: path.join(root, 'docs', 'screenshots') },
    stdio: 'inherit',
  },
);
if (result.error) throw result.error;
process.exitCode = result.status ?? 1;
