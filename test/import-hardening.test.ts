// Import of a folder someone else prepared, end to end through the engine: symbolic
// links out of the folder are left out (and listed) unless followed on purpose; the
// byte budget bounds the file content in flight and still lets a file larger than the
// whole budget through; a refused non-image is named, never quoted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initVault, openVault } from '../src-main/engine/index.ts';
import { importFolderWithLayout } from '../src-main/engine/vault/import-folder.ts';
import type { ImportOptions } from '../src-main/engine/vault/import-folder.ts';
import { makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';

const PASS = 'correct horse battery staple';
const FAST_KDF = { logN: 14 };
const SAMPLES = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls');

/** The bundled sample images (two per class, all distinct files of one size). */
async function allSamples(): Promise<string[]> {
  const out: string[] = [];
  for (const label of (await readdir(SAMPLES)).sort())
    for (const name of (await readdir(path.join(SAMPLES, label))).sort())
      out.push(path.join(SAMPLES, label, name));
  return out;
}

/** `count` distinct samples from `from` on (so no two tests' folders overlap). */
async function samples(count: number, from: number): Promise<string[]> {
  const files = (await allSamples()).slice(from, from + count);
  expect(files).toHaveLength(count);
  return files;
}

describe('import of untrusted folders', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultNo = 0;
  beforeAll(async () => {
    tmp = await makeTempDir('sealsight-hardening-');
  });
  afterAll(() => tmp.cleanup());

  /** A fresh vault, one import into it; returns what importFolderWithLayout returned. */
  async function importInto(folder: string, options: ImportOptions = {}, vaultDir?: string) {
    const dir = vaultDir ?? path.join(tmp.dir, `vault-${++vaultNo}`);
    if (vaultDir === undefined) await initVault(dir, PASS, { kdf: FAST_KDF });
    const vault = await openVault(dir, PASS);
    try {
      return { dir, ...(await importFolderWithLayout(vault, folder, { workers: 2, ...options })) };
    } finally {
      vault.close();
    }
  }

  it('does not import through a symbolic link out of the folder unless asked', async () => {
    const [own, outsideImage] = await samples(2, 0);
    const folder = path.join(tmp.dir, 'links', 'incoming');
    const outside = path.join(tmp.dir, 'links', 'elsewhere');
    await mkdir(folder, { recursive: true });
    await mkdir(outside, { recursive: true });
    await copyFile(own!, path.join(folder, 'own.bmp'));
    await copyFile(outsideImage!, path.join(outside, 'private.bmp'));
    await symlink(path.join(outside, 'private.bmp'), path.join(folder, 'linked.bmp'));
    await symlink(outside, path.join(folder, 'linked-folder'));

    const plain = await importInto(folder);
    expect(plain.report.imported).toBe(1);
    expect(plain.report.failed).toEqual([
      { file: 'linked-folder', reason: expect.stringMatching(/outside the import folder/) },
      { file: 'linked.bmp', reason: expect.stringMatching(/outside the import folder/) },
    ]);

    const followed = await importInto(folder, { followSymlinks: true }, plain.dir);
    expect(followed.report.failed).toEqual([]);
    expect(followed.report.imported).toBe(1); // private.bmp, once (the folder link = same file)
    expect(followed.report.duplicates).toBe(2); // own.bmp again, and the second way in
  });

  it('never holds more file bytes in flight than the budget, and still imports all', async () => {
    const files = await samples(6, 2);
    const folder = path.join(tmp.dir, 'budget');
    await mkdir(folder);
    for (const file of files) await copyFile(file, path.join(folder, path.basename(file)));
    const size = (await stat(files[0]!)).size;

    const budget = 2 * size + 100; // two files at a time, with four jobs wanting to run
    const bounded = await importInto(folder, { memoryBudgetBytes: budget });
    expect(bounded.report.imported).toBe(files.length);
    expect(bounded.report.failed).toEqual([]);
    expect(bounded.memory.budgetBytes).toBe(budget);
    expect(bounded.memory.peakInFlightBytes).toBeGreaterThanOrEqual(size);
    expect(bounded.memory.peakInFlightBytes).toBeLessThanOrEqual(budget);

    // The same import under the default budget does run more files at once: the
    // budget above is what held it back.
    const free = await importInto(folder);
    expect(free.memory.peakInFlightBytes).toBeGreaterThan(budget);
  });

  it('imports a file larger than the whole budget, alone', async () => {
    const files = await samples(3, 8);
    const folder = path.join(tmp.dir, 'oversized');
    await mkdir(folder);
    for (const file of files) await copyFile(file, path.join(folder, path.basename(file)));
    const size = (await stat(files[0]!)).size;

    const tiny = await importInto(folder, { memoryBudgetBytes: 1000 });
    expect(tiny.report.imported).toBe(files.length);
    expect(tiny.memory.peakInFlightBytes).toBe(size); // one at a time, never two
  });

  it('names a refused non-image and never quotes its bytes', async () => {
    const [image] = await samples(1, 11);
    const folder = path.join(tmp.dir, 'secrets');
    await mkdir(folder);
    await copyFile(image!, path.join(folder, 'real.bmp'));
    const secret = '-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAABG5vbmU';
    await writeFile(path.join(folder, 'holiday.png'), `${secret}\n`);
    await writeFile(
      path.join(folder, 'binary.jpg'),
      Buffer.concat([Buffer.from('SECRETBIN'), Buffer.alloc(64, 0x01)]),
    );

    const { report } = await importInto(folder);
    expect(report.imported).toBe(1);
    expect(report.failed.map((f) => f.file).sort()).toEqual(['binary.jpg', 'holiday.png']);
    for (const failure of report.failed) {
      expect(failure.reason).toMatch(/^not a recognised image \(unrecognised signature; /);
      expect(failure.reason).not.toMatch(/OPENSSH|PRIVATE|b3Blb|SECRET/);
      expect(failure.reason).not.toMatch(/53 45 43|01 01 01/); // nor as hex
    }
    expect(report.failed.find((f) => f.file === 'holiday.png')!.reason).toContain(
      `${secret.length + 1} bytes`,
    );
  });
});
