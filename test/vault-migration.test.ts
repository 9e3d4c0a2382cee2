// A vault written by the previous release (schema v5, test/fixtures/vault-v5) opens with
// this one: migration 0006 seals each image's layout into its metadata, MACs the key set,
// re-wraps the CKKS secret with the key-set id, seals review rows, drops every
// content-derived plain column, and the result verifies, lists, exports and decrypts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CATALOGUE_FILE,
  decryptChunkGrid,
  exportOriginal,
  initVault,
  listImages,
  openVault,
  verifyVault,
} from '../src-main/engine/index.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { reviewStates } from '../src-main/engine/vault/review-state.ts';
import { LATEST_SCHEMA_VERSION } from '../src-main/engine/vault/migrations/index.ts';
import { makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/vault-v5');
const PASS = 'fixture passphrase';
const SAMPLES = path.join(REPO_ROOT, 'assets/samples/neu-cls');
const IMAGES = [
  { uid: 'be5313f71dcf882239da1877136a2f06', name: 'crazing/Cr_10.bmp', label: 'crazing' },
  { uid: '10d7f0b035a52e923af2b3374e0a8493', name: 'scratches/Sc_10.bmp', label: 'scratches' },
];

describe('a vault made by the previous release', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
    await cp(FIXTURE, vaultDir, { recursive: true });
    const db = new Database(path.join(vaultDir, CATALOGUE_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    db.close();
  });
  afterAll(() => tmp.cleanup());

  it('migrates on unlock and then verifies clean', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      const report = verifyVault(vault);
      expect(report.problems).toEqual([]);
      expect(report.images).toBe(2);
      const listed = listImages(vault);
      expect(listed.map((i) => [i.id, i.name, i.label])).toEqual(
        IMAGES.map((i) => [i.uid, i.name, i.label]),
      );
      expect(reviewStates(vault).states.get(IMAGES[0]!.uid)?.reviewed).toBe(true);
      expect(reviewStates(vault).states.has(IMAGES[1]!.uid)).toBe(false);
    } finally {
      vault.close();
    }
    const db = new Database(path.join(vaultDir, CATALOGUE_FILE), { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all();
      expect(tables).not.toContain('chunks');
      const columns = db.prepare("SELECT name FROM pragma_table_info('images')").pluck().all();
      for (const gone of ['threshold', 'low_gradient', 'signed_indices'])
        expect(columns).not.toContain(gone);
      expect(db.prepare('SELECT count(*) FROM ckks_keysets WHERE mac IS NULL').pluck().get()).toBe(
        0,
      );
    } finally {
      db.close();
    }
  });

  it('keeps every image: originals byte for byte, the chunk grid as the pipeline cuts it', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      for (const image of IMAGES) {
        const out = path.join(tmp.dir, `${image.uid}.bmp`);
        await exportOriginal(vault, image.uid, out);
        const source = await readFile(path.join(SAMPLES, image.name));
        expect(Buffer.compare(await readFile(out), source)).toBe(0);
        const processed = await processImage(source, image.name);
        const grid = await decryptChunkGrid(vault, image.uid);
        const summary = listImages(vault).find((i) => i.id === image.uid)!;
        expect(summary.signedIndices).toEqual(processed.chunks.map((c) => c.signedIndex));
        processed.chunks.forEach((chunk, position) => {
          const worst = Math.max(...chunk.pixels.map((v, p) => Math.abs(v - grid[position]![p]!)));
          expect(worst).toBeLessThanOrEqual(chunk.isFeature ? 1 : 0);
        });
      }
    } finally {
      vault.close();
    }
  });
});

describe('a catalogue from another vault', () => {
  it('is refused before any migration touches it', async () => {
    const tmp = await makeTempDir();
    try {
      const other = path.join(tmp.dir, 'other');
      await initVault(other, PASS, { kdf: { logN: 14 } });
      await cp(path.join(FIXTURE, CATALOGUE_FILE), path.join(other, CATALOGUE_FILE));
      await expect(openVault(other, PASS)).rejects.toThrow(/belongs to another vault/);
      const db = new Database(path.join(other, CATALOGUE_FILE), { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(5);
      db.close();
    } finally {
      await tmp.cleanup();
    }
  });
});
