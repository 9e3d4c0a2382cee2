// The vault's channels: create a vault and unlock or lock one — transitions that run one
// at a time, each locking the open vault first — and the status every one answers with.
// A vault that was opened goes to the recent-vaults list.
import path from 'node:path';
import type { VaultStatus } from '../../../src-shared/contract/ipc.ts';
import { initVault, openVault } from '../../engine/index.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function vaultHandlers(app: AppContext): FeatureHandlers<'vault'> {
  const { vaults } = app;
  return {
    'vault:status': () => vaultStatus(app),
    'vault:create': ({ dir, passphrase }) =>
      vaults.serial(async () => {
        const folder = path.resolve(dir);
        await vaults.replace(async () => {
          await initVault(folder, passphrase, { kdf: app.kdf });
          return openVault(folder, passphrase);
        });
        await app.recent.remember(folder);
        return vaultStatus(app);
      }),
    'vault:unlock': ({ dir, passphrase }) =>
      vaults.serial(async () => {
        const folder = path.resolve(dir);
        await vaults.replace(() => openVault(folder, passphrase));
        await app.recent.remember(folder);
        return vaultStatus(app);
      }),
    'vault:lock': () =>
      vaults.serial(async () => {
        await vaults.lock('user');
        return vaultStatus(app);
      }),
  };
}

async function vaultStatus(app: AppContext): Promise<VaultStatus> {
  const vault = app.vaults.current;
  return {
    state: vault ? 'unlocked' : 'locked',
    dir: vault?.dir ?? null,
    imageCount: vault ? vault.catalogue.read.images.count() : 0,
    idleLockSeconds: Math.round(app.idleLockMs / 1000),
    lockedReason: app.vaults.lockedReason,
    headerRestoredFromBackup: vault?.headerSource === 'backup',
    recent: await app.recent.list(),
  };
}
