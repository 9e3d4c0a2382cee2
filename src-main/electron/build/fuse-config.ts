// Electron fuses flipped in the packaged binary at build time (electron-builder afterPack
// hook, after-pack.ts). Every fuse of the V1 wire is set explicitly and
// strictlyRequireAllFuses makes a future Electron with a new fuse fail the build until
// someone decides its value here.
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import type { FuseV1Config } from '@electron/fuses';

export function sealSightFuses(platform: string): FuseV1Config {
  return {
    version: FuseVersion.V1,
    strictlyRequireAllFuses: true,
    // Flipping fuses breaks the ad-hoc signature of an (arm64) macOS binary; re-sign it
    // ad hoc so it still starts (electron-builder signs properly afterwards if configured).
    resetAdHocDarwinSignature: platform === 'darwin' || platform === 'mas',
    // ELECTRON_RUN_AS_NODE would turn the signed app into a general Node interpreter.
    [FuseV1Options.RunAsNode]: false,
    // Cookies (none today, but Chromium's storage) encrypted with the OS keychain.
    [FuseV1Options.EnableCookieEncryption]: true,
    // NODE_OPTIONS and --inspect* would let anyone inject code into the main process.
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // app.asar is checked against the hash embedded at build time (macOS and Windows),
    // and the app is only ever loaded from it.
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    // file:// gets no extra privileges: the renderer is served from app:// instead.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    // Electron's default; WebAssembly (node-seal, tfjs) relies on it for speed.
    [FuseV1Options.WasmTrapHandlers]: true,
  };
}
