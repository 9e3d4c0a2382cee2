// The tamper matrix (docs/security.md): for each kind of stored item, an attacker who can
// write the vault folder changes it, and `verify` names the image and the item while
// classify, export and the gallery refuse what depends on it — and the other images work.
// One base vault (three images, classified once under encryption, a vault model, a review
// row, an obfuscated-tier embedding) is copied per case; the tampering is raw SQL, as an
// attacker with the file would do it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CATALOGUE_FILE,
  classifyVault,
  importFolder,
  initVault,
  loadModel,
  openVault,
  verifyVault,
} from '../src-main/engine/index.ts';
import { setReviewed } from '../src-main/engine/vault/review-state.ts';
import { storeVaultModel } from '../src-main/engine/vault/vault-models.ts';
import { labelledFolder, makeTempDir, sampleImages } from './helpers/fixtures.ts';
import { writeRandomModel } from './helpers/models.ts';
import { CASES } from './helpers/tamper-cases.ts';
import type { Ids } from './helpers/tamper-cases.ts';
import { expectCase, insertEmbedding } from './helpers/tamper-expect.ts';

const PASS = 'tamper matrix passphrase';

describe('tamper matrix (blocks layout)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let baseDir: string;
  let modelFile: string;
  let ids: Ids;

  beforeAll(async () => {
    tmp = await makeTempDir();
    const images = (await sampleImages(1)).slice(0, 3);
    await labelledFolder(path.join(tmp.dir, 'in'), images);
    baseDir = path.join(tmp.dir, 'base');
    await initVault(baseDir, PASS, { kdf: { logN: 14 } });
    modelFile = path.join(tmp.dir, 'model.json');
    await writeRandomModel(
      modelFile,
      7,
      images.map((i) => i.file),
    );
    const vault = await openVault(baseDir, PASS);
    try {
      await importFolder(vault, path.join(tmp.dir, 'in'), { labelsFromFolders: true });
      const model = await loadModel(modelFile);
      const report = await classifyVault(vault, { model, workers: 2 });
      expect(report.failed).toEqual([]);
      const stored = storeVaultModel(vault, await readFile(modelFile, 'utf8'));
      const rows = vault.catalogue.read.images.list().map((r) => ({ id: r.id, uid: r.uid }));
      setReviewed(vault, rows[1]!.uid, true);
      insertEmbedding(vault, rows[1]!);
      ids = { rows, modelId: stored.id };
      expect(verifyVault(vault).problems).toEqual([]);
    } finally {
      vault.close();
    }
  }, 600_000);
  afterAll(() => tmp.cleanup());

  for (const [index, c] of CASES.entries()) {
    it(
      c.name,
      async () => {
        const dir = path.join(tmp.dir, `case-${index}`);
        await cp(baseDir, dir, { recursive: true });
        const db = new Database(path.join(dir, CATALOGUE_FILE));
        db.pragma('foreign_keys = OFF'); // an attacker's tool enforces nothing
        try {
          c.tamper(db, ids);
          if (typeof c.classify === 'number')
            db.prepare('DELETE FROM classifications WHERE image_id = ?').run(
              ids.rows[c.classify]!.id,
            );
        } finally {
          db.close();
        }
        const vault = await openVault(dir, PASS);
        try {
          await expectCase(vault, c, ids, modelFile, tmp.dir);
        } finally {
          vault.close();
        }
      },
      120_000,
    );
  }
});
