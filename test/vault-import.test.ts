// Import into a compound-encrypted vault, end to end through the engine: bad input,
// dedupe, labels, export round trip, the block group, and tamper detection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CATALOGUE_FILE,
  decryptChunkGrid,
  exportOriginal,
  importFolder,
  initVault,
  listImages,
  openVault,
  verifyVault,
} from '../src-main/engine/index.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { labelledFolder, makeTempDir, sampleImages, writeBadFiles } from './helpers/fixtures.ts';

const PASS = 'correct horse battery staple';
const FAST_KDF = { logN: 14 };

describe('vault import', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;
  let folder: string;
  let images: Array<{ label: string; file: string }>;

  beforeAll(async () => {
    tmp = await makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
    folder = path.join(tmp.dir, 'incoming');
    images = await sampleImages(1);
    await labelledFolder(folder, images);
    // A byte-identical copy under another name must be deduplicated.
    await copyFile(images[0]!.file, path.join(folder, images[0]!.label, 'copy-of-first.bmp'));
    await initVault(vaultDir, PASS, { kdf: FAST_KDF });
  });
  afterAll(() => tmp.cleanup());

  it('imports good images, reports each bad file by name and cause, and goes on', async () => {
    const bad = await writeBadFiles(folder);
    const vault = await openVault(vaultDir, PASS);
    try {
      const report = await importFolder(vault, folder, { labelsFromFolders: true, workers: 2 });
      expect(report.imported).toBe(images.length);
      expect(report.duplicates).toBe(1);
      expect(report.skippedNonImages).toBe(bad.nonImages.length);
      expect(report.failed.map((f) => f.file).sort()).toEqual(bad.undecodable);
      const reason = (file: string) => report.failed.find((f) => f.file === file)!.reason;
      expect(reason('bad/empty.bmp')).toMatch(/empty/i);
      expect(reason('bad/truncated.bmp')).toMatch(/truncat/i);
      expect(reason('bad/bomb.png')).toMatch(/30000×30000/);
      expect(reason('bad/not-really.png')).toMatch(/not a recognised image/i);

      const listed = listImages(vault);
      expect(listed).toHaveLength(images.length);
      expect(listed.map((i) => i.label).sort()).toEqual(images.map((i) => i.label).sort());
      for (const image of listed) {
        expect(image.signedIndices.map(Math.abs)).toEqual(
          Array.from({ length: 16 }, (_, p) => p + 1),
        );
        expect(image.featureIndices.length).toBeGreaterThan(0);
      }
    } finally {
      vault.close();
    }
  });

  it('skips everything on a second run (dedupe by keyed content MAC)', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      const report = await importFolder(vault, folder, { labelsFromFolders: true });
      expect(report.imported).toBe(0);
      expect(report.duplicates).toBe(images.length + 1);
      expect(listImages(vault)).toHaveLength(images.length);
    } finally {
      vault.close();
    }
  });

  it('exports the original byte for byte and rebuilds the preprocessed image from its block group', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      const listed = listImages(vault);
      const image = listed.find((i) => i.label === images[1]!.label)!;
      const source = images.find((i) => path.basename(i.file) === path.basename(image.name))!;
      const out = path.join(tmp.dir, 'exported.bmp');
      await exportOriginal(vault, image.id.slice(0, 10), out);
      const original = await readFile(source.file);
      expect(Buffer.compare(await readFile(out), original)).toBe(0);
      await expect(exportOriginal(vault, image.id, out)).rejects.toThrow(/already exists/);

      const expected = await processImage(original, image.name, { threshold: image.threshold });
      const grid = await decryptChunkGrid(vault, image.id);
      expect(grid).toHaveLength(16);
      for (const chunk of expected.chunks) {
        const got = grid[chunk.position]!;
        if (chunk.isFeature) {
          // CKKS is approximate: within one grey level after rounding.
          const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - chunk.pixels[i]!)));
          expect(worst).toBeLessThanOrEqual(1);
        } else {
          expect(Buffer.compare(Buffer.from(got), Buffer.from(chunk.pixels))).toBe(0);
        }
      }
    } finally {
      vault.close();
    }
  });

  it('refuses a wrong passphrase without writing anything', async () => {
    const before = await snapshot(vaultDir);
    await expect(openVault(vaultDir, 'wrong passphrase!')).rejects.toThrow(/wrong passphrase/i);
    expect(await snapshot(vaultDir)).toEqual(before);
  });

  it('detects a flipped byte in any stored ciphertext, naming image and item', async () => {
    const db = new Database(path.join(vaultDir, CATALOGUE_FILE));
    const target = db.prepare('SELECT id, uid FROM images ORDER BY id LIMIT 1').get() as {
      id: number;
      uid: string;
    };
    const flips: Array<{ item: string; sql: string; args: unknown[] }> = [
      {
        item: 'original',
        sql: 'UPDATE images SET original = flip(original, 40) WHERE id = ?',
        args: [target.id],
      },
      {
        item: 'meta',
        sql: 'UPDATE images SET meta = flip(meta, 20) WHERE id = ?',
        args: [target.id],
      },
      {
        item: 'rest',
        sql: 'UPDATE images SET rest = flip(rest, 30) WHERE id = ?',
        args: [target.id],
      },
      {
        item: 'ckks:0',
        sql: 'UPDATE ckks_ciphertexts SET data = flip(data, 5000) WHERE image_id = ? AND ordinal = 0',
        args: [target.id],
      },
      {
        item: 'ckks:0',
        sql: 'UPDATE ckks_ciphertexts SET mac = flip(mac, 3) WHERE image_id = ? AND ordinal = 0',
        args: [target.id],
      },
    ];
    db.function('flip', (blob: unknown, at: unknown) => {
      const copy = Buffer.from(blob as Buffer);
      copy[at as number] = copy[at as number]! ^ 0x01;
      return copy;
    });
    try {
      for (const flip of flips) {
        db.prepare(flip.sql).run(...flip.args);
        const vault = await openVault(vaultDir, PASS);
        try {
          const report = verifyVault(vault);
          expect(report.problems).toHaveLength(1);
          expect(report.problems[0]).toMatchObject({ image: target.uid, item: flip.item });
          expect(report.problems[0]!.reason).toMatch(target.uid);
          if (flip.item === 'original') {
            await expect(
              exportOriginal(vault, target.uid, path.join(vaultDir, '..', 'x.bmp')),
            ).rejects.toThrow(/original file of image/);
          }
        } finally {
          vault.close();
        }
        db.prepare(flip.sql).run(...flip.args); // flip back
      }
      const vault = await openVault(vaultDir, PASS);
      expect(verifyVault(vault).problems).toEqual([]);
      vault.close();
    } finally {
      db.close();
    }
  });

  it('detects the non-feature chunks moved to another image (the image id is bound as associated data)', async () => {
    const db = new Database(path.join(vaultDir, CATALOGUE_FILE));
    try {
      const [a, b] = db
        .prepare('SELECT id, uid, rest FROM images ORDER BY id LIMIT 2')
        .all() as Array<{
        id: number;
        uid: string;
        rest: Buffer;
      }>;
      db.prepare('UPDATE images SET rest = ? WHERE id = ?').run(a!.rest, b!.id);
      const vault = await openVault(vaultDir, PASS);
      try {
        expect(verifyVault(vault).problems.map((p) => [p.image, p.item])).toEqual([
          [b!.uid, 'rest'],
        ]);
        await expect(decryptChunkGrid(vault, b!.uid)).rejects.toThrow(
          /non-feature chunks of image/,
        );
      } finally {
        vault.close();
      }
      db.prepare('UPDATE images SET rest = ? WHERE id = ?').run(b!.rest, b!.id);
    } finally {
      db.close();
    }
  });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const s = await stat(path.join(dir, name));
    out[name] = `${s.size}:${s.mtimeMs}`;
  }
  return out;
}
