// electron-builder afterPack hook (electron-builder.yml → afterPack): flips the Electron
// fuses of the freshly packed binary before electron-builder signs it. electron-builder
// loads this file with the Node that runs it (Node 24, which strips the types).
import path from 'node:path';
import { flipFuses } from '@electron/fuses';
import { sealSightFuses } from './fuse-config.ts';

/** The parts of electron-builder's AfterPackContext the hook reads. */
export interface AfterPackContextLike {
  readonly appOutDir: string;
  readonly electronPlatformName: string;
  readonly packager: {
    readonly executableName?: string;
    readonly appInfo: { readonly productFilename: string };
  };
}

/** Where the fuse-carrying binary of a packed app is (as electron-builder lays it out). */
export function packedElectronPath(context: AfterPackContextLike): string {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  const product = packager.appInfo.productFilename;
  if (platform === 'darwin' || platform === 'mas') return path.join(appOutDir, `${product}.app`);
  if (platform === 'win32') return path.join(appOutDir, `${product}.exe`);
  return path.join(appOutDir, packager.executableName ?? product);
}

export default async function afterPack(context: AfterPackContextLike): Promise<void> {
  const binary = packedElectronPath(context);
  const flipped = await flipFuses(binary, sealSightFuses(context.electronPlatformName));
  console.log(`  • SealSight fuses flipped in ${binary} (${flipped} fuse wire(s))`);
}
