// npm run dist — packages the built app (npm run build) into installers for the host OS
// with electron-builder (electron-builder.yml: AppImage + deb, NSIS, dmg). Needs the
// network (electron-builder downloads the Electron zip); where that fails, says so.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'electron-builder';
import { explainDistFailure } from '../src-main/electron/build/electron-binary.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
try {
  const artifacts = await build({ projectDir: repoRoot, publish: 'never' });
  console.log(`installers:\n  ${artifacts.join('\n  ')}`);
} catch (error) {
  const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  console.error(message.split('\n').slice(0, 12).join('\n'));
  const explanation = explainDistFailure(message);
  if (explanation) console.error(`\n${explanation}`);
  process.exit(1);
}
