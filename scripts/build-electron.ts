// npm run build:electron — bundles the Electron main process, preload and worker entries
// into dist/electron/ (see src-main/electron/build/bundle.ts for the layout and why).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleElectron } from '../src-main/electron/build/bundle.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const result = await bundleElectron({ repoRoot, minify: process.argv.includes('--minify') });
const files = [...result.bundles.keys(), path.basename(result.preload)];
console.log(`dist/electron: ${files.join(', ')} (${Math.round(performance.now() - started)} ms)`);
