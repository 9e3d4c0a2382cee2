import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import afterPack, { packedElectronPath } from './after-pack.ts';
import { sealSightFuses } from './fuse-config.ts';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's default V1 wire: RunAsNode, -, NODE_OPTIONS, inspect, -, -, -, file://, wasm traps. */
const DEFAULT_WIRE = '101100011';

/** A stand-in binary with Electron's fuse sentinel and default wire between junk bytes. */
function fakeElectronBinary(): Buffer {
  return Buffer.concat([
    Buffer.alloc(4096, 0xcc),
    Buffer.from(SENTINEL),
    Buffer.from([1, DEFAULT_WIRE.length]),
    Buffer.from(DEFAULT_WIRE),
    Buffer.alloc(4096, 0xcc),
  ]);
}

describe('fuse configuration', () => {
  it('sets every V1 fuse explicitly, strictly', () => {
    const config = sealSightFuses('linux') as unknown as Record<number, boolean> & {
      strictlyRequireAllFuses: boolean;
    };
    expect(config.strictlyRequireAllFuses).toBe(true);
    expect(config[FuseV1Options.RunAsNode]).toBe(false);
    expect(config[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(config[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(config[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(config[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(config[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(config[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    const fuseIndices = Object.values(FuseV1Options).filter((v) => typeof v === 'number');
    for (const index of fuseIndices) expect(typeof config[index], `fuse ${index}`).toBe('boolean');
    expect(sealSightFuses('darwin').resetAdHocDarwinSignature).toBe(true);
    expect(sealSightFuses('win32').resetAdHocDarwinSignature).toBe(false);
  });

  it('finds the packed binary where electron-builder puts it', () => {
    const packager = { executableName: 'sealsight', appInfo: { productFilename: 'SealSight' } };
    const at = (electronPlatformName: string) =>
      packedElectronPath({ appOutDir: '/out', electronPlatformName, packager });
    expect(at('linux')).toBe(path.join('/out', 'sealsight'));
    expect(at('win32')).toBe(path.join('/out', 'SealSight.exe'));
    expect(at('darwin')).toBe(path.join('/out', 'SealSight.app'));
  });
});

describe('afterPack hook (real @electron/fuses on a stand-in binary)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sealsight-fuses-'));
    await writeFile(path.join(dir, 'sealsight'), fakeElectronBinary());
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('flips the wire to our configuration', async () => {
    await afterPack({
      appOutDir: dir,
      electronPlatformName: 'linux',
      packager: { executableName: 'sealsight', appInfo: { productFilename: 'SealSight' } },
    });
    const wire = (await getCurrentFuseWire(path.join(dir, 'sealsight'))) as unknown as Record<
      number,
      number
    >;
    const on = FuseState.ENABLE;
    const off = FuseState.DISABLE;
    expect(wire[FuseV1Options.RunAsNode]).toBe(off);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(on);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(off);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(off);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(on);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(on);
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(off);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(off);
    expect(wire[FuseV1Options.WasmTrapHandlers]).toBe(on);
  });
});
