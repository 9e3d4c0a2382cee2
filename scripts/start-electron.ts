// npm start — `--check` only verifies that the Electron binary is present (so a missing
// binary fails before the build, with the reason); without it, launches `electron .`
// on the built app (npm start runs `npm run build` in between).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateElectronBinary } from '../src-main/electron/build/electron-binary.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electron = locateElectronBinary(path.join(repoRoot, 'node_modules', 'electron'));
if (!electron.ok) {
  console.error(electron.message);
  process.exit(1);
}
if (process.argv.includes('--check')) process.exit(0);

for (const built of [
  'dist/electron/main.js',
  'dist/electron/preload.cjs',
  'dist/renderer/index.html',
]) {
  if (!existsSync(path.join(repoRoot, built))) {
    console.error(`${built} is missing: run \`npm run build\` (npm start does it for you).`);
    process.exit(1);
  }
}
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // would start Electron as plain Node
const child = spawn(electron.path, ['.', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
  env,
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
