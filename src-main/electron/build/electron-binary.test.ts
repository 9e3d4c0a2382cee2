import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { explainDistFailure, locateElectronBinary } from './electron-binary.ts';

describe('locateElectronBinary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sealsight-electron-pkg-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reports a missing binary with what to do, without downloading', () => {
    const found = locateElectronBinary(dir, {});
    expect(found.ok).toBe(false);
    if (!found.ok) {
      expect(found.message).toContain('npx --no install-electron');
      expect(found.message).toContain(path.join(dir, 'dist'));
    }
  });

  it('finds the binary the package recorded in path.txt once it exists', async () => {
    await writeFile(path.join(dir, 'path.txt'), 'electron');
    expect(locateElectronBinary(dir, {}).ok).toBe(false);
    await mkdir(path.join(dir, 'dist'));
    await writeFile(path.join(dir, 'dist', 'electron'), '');
    expect(locateElectronBinary(dir, {})).toEqual({
      ok: true,
      path: path.join(dir, 'dist', 'electron'),
    });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH as electron itself does', async () => {
    const override = path.join(dir, 'custom');
    await mkdir(override);
    expect(locateElectronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override }).ok).toBe(false);
    await writeFile(path.join(override, 'electron'), '');
    expect(locateElectronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override })).toEqual({
      ok: true,
      path: path.join(override, 'electron'),
    });
  });

  it('is the state of this repository: electron is installed without its binary', () => {
    // npm ci never downloads it; if someone installed it, this just finds it.
    const found = locateElectronBinary(path.resolve('node_modules', 'electron'), {});
    if (!found.ok) expect(found.message).toContain('not installed');
  });
});

describe('explainDistFailure', () => {
  it('explains download failures and leaves other failures alone', () => {
    expect(
      explainDistFailure(
        'Get "https://github.com/electron/electron/releases/…": dial tcp: lookup github.com: no such host',
      ),
    ).toContain('release workflow');
    expect(explainDistFailure('getaddrinfo ENOTFOUND github.com')).not.toBeNull();
    expect(explainDistFailure('Cannot find module dist/electron/main.js')).toBeNull();
  });
});
