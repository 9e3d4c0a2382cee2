// Entry of `npm run preview` (after `vite build`): starts the AppService and the
// loopback preview server, prints the one-time URL, and locks the vault on exit.
//   node src-main/preview/main.ts [--port N] [--state-dir DIR] [--idle-lock-minutes M]
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAppService } from '../app/app-service.ts';
import { startPreviewServer } from './preview-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'state-dir': { type: 'string' },
    'idle-lock-minutes': { type: 'string' },
  },
});
const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
if (!existsSync(path.join(rendererDir, 'index.html'))) {
  console.error(`no built renderer in ${rendererDir}: run "npm run build:renderer" first`);
  process.exit(1);
}
const idleMinutes =
  values['idle-lock-minutes'] === undefined ? 10 : Number(values['idle-lock-minutes']);
if (!(Number.isFinite(idleMinutes) && idleMinutes >= 0)) {
  console.error('--idle-lock-minutes must be a number ≥ 0');
  process.exit(2);
}
const service = createAppService({
  stateDir: values['state-dir'] ?? path.join(os.homedir(), '.sealsight'),
  idleLockMs: idleMinutes * 60_000,
});
const server = await startPreviewServer({
  service,
  rendererDir,
  port: values.port === undefined ? 0 : Number(values.port),
});
console.log(`SealSight preview (loopback only): ${server.url}`);
console.log('The link works once; press Ctrl-C to stop (the vault is locked on exit).');

let stopping = false;
const stop = async () => {
  if (stopping) process.exit(130);
  stopping = true;
  await server.close();
  await service.dispose();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
