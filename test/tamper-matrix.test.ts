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
  exportOriginal,
  importFolder,
  initVault,
  loadModel,
  openVault,
  verifyVault,
} from '../src-main/engine/index.ts';
import type { UnlockedVault } from '../src-main/engine/vault/vault.ts';
import { sealAead } from '../src-main/engine/crypto/index.ts';
import { galleryListing, isGalleryError } from '../src-main/engine/vault/gallery.ts';
import { reviewCsv } from '../src-main/engine/vault/review-csv.ts';
import { setReviewed } from '../src-main/engine/vault/review-state.ts';
import { listVaultModels, storeVaultModel } from '../src-main/engine/vault/vault-models.ts';
import { obfEmbeddingAad } from '../src-main/engine/vault/obf-embeddings.ts';
import { labelledFolder, makeTempDir, sampleImages } from './helpers/fixtures.ts';
import { writeRandomModel } from './helpers/models.ts';

const PASS = 'tamper matrix passphrase';
type Sql = Database.Database;
interface Ids {
  /** Catalogue row ids and uids of the three images, in import order. */
  rows: Array<{ id: number; uid: string }>;
  modelId: string;
}

/** What a case expects: verify's (image, item) — `image` as an index, or a literal label. */
interface Case {
  name: string;
  tamper: (db: Sql, ids: Ids) => void;
  verify: Array<{ image: number | string; item: string | RegExp }>;
  /** The image classify must refuse (its classification row is removed first), or 'all'. */
  classify?: number | 'all';
  /** Images whose original export must fail. */
  exportFails?: number[];
  /** Images the gallery must show as an error tile (index) or with a problem (`~index`). */
  gallery?: Array<number | `~${number}`>;
  /** How many vault models still list (default 1: the one stored). */
  modelsListed?: number;
}

const flip = (bytes: Buffer, at = bytes.length >> 1) => {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};
const flipColumn = (db: Sql, table: string, column: string, where: string, ...args: unknown[]) => {
  const blob = db
    .prepare(`SELECT ${column} FROM ${table} WHERE ${where}`)
    .pluck()
    .get(...args);
  db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where}`).run(flip(blob as Buffer), ...args);
};

const CASES: Case[] = [
  // The CKKS key set: shared by every image, so classify refuses outright.
  ...(['public_key', 'relin_keys', 'galois_keys'] as const).map((column): Case => ({
    name: `key set: one byte of ${column} flipped`,
    tamper: (db) => flipColumn(db, 'ckks_keysets', column, 'id = 1'),
    verify: [{ image: 'key set 1', item: 'ckks-keyset' }],
    classify: 'all',
  })),
  {
    name: 'key set: a Galois step dropped from the list',
    tamper: (db) => {
      const steps = JSON.parse(
        db.prepare('SELECT galois_steps FROM ckks_keysets').pluck().get() as string,
      ) as number[];
      db.prepare('UPDATE ckks_keysets SET galois_steps = ?').run(JSON.stringify(steps.slice(1)));
    },
    verify: [{ image: 'key set 1', item: 'ckks-keyset' }],
    classify: 'all',
  },
  {
    name: 'key set: the preset id changed',
    tamper: (db) => db.prepare("UPDATE ckks_keysets SET preset_id = 'ckks-other'").run(),
    verify: [{ image: 'key set 1', item: 'ckks-keyset' }],
    classify: 'all',
  },
  {
    name: 'key set: the row copied under a newer id (to become current)',
    tamper: (db) =>
      db.exec(`INSERT INTO ckks_keysets (id, preset_id, public_key, relin_keys, galois_keys,
          galois_steps, secret_key_wrapped, created_at, mac)
        SELECT 2, preset_id, public_key, relin_keys, galois_keys, galois_steps,
          secret_key_wrapped, created_at, mac FROM ckks_keysets WHERE id = 1`),
    verify: [{ image: 'key set 2', item: 'ckks-keyset' }],
    classify: 'all',
  },
  // The image's layout and metadata.
  {
    name: 'metadata: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'images', 'meta', 'id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  {
    name: 'metadata: swapped between two images',
    tamper: (db, { rows }) => {
      const get = db.prepare('SELECT meta FROM images WHERE id = ?').pluck();
      const [a, b] = [get.get(rows[0]!.id), get.get(rows[1]!.id)];
      db.prepare('UPDATE images SET meta = ? WHERE id = ?').run(b, rows[0]!.id);
      db.prepare('UPDATE images SET meta = ? WHERE id = ?').run(a, rows[1]!.id);
    },
    verify: [
      { image: 0, item: 'meta' },
      { image: 1, item: 'meta' },
    ],
    classify: 1,
    exportFails: [0, 1],
    gallery: [0, 1],
  },
  {
    name: 'layout: the plain packing id changed',
    tamper: (db, { rows }) =>
      db.prepare("UPDATE images SET packing_id = 'chunk-lanes-v1' WHERE id = ?").run(rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  {
    name: 'layout: the plain key-set id changed',
    tamper: (db, { rows }) =>
      db.prepare('UPDATE images SET keyset_id = 7 WHERE id = ?').run(rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  {
    name: 'layout: a block image pointed at a lane batch',
    tamper: (db, { rows }) =>
      db.prepare('UPDATE images SET lane_batch_id = 1 WHERE id = ?').run(rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  // CKKS rows.
  {
    name: 'CKKS row deleted',
    tamper: (db, { rows }) =>
      db
        .prepare('DELETE FROM ckks_ciphertexts WHERE image_id = ? AND ordinal = 1')
        .run(rows[1]!.id),
    verify: [{ image: 1, item: 'ckks rows' }],
    classify: 1,
    gallery: ['~1'],
  },
  {
    name: 'CKKS row duplicated under a new ordinal',
    tamper: (db, { rows }) =>
      db
        .prepare(
          `INSERT INTO ckks_ciphertexts (image_id, ordinal, data, mac)
           SELECT image_id, 9, data, mac FROM ckks_ciphertexts WHERE image_id = ? AND ordinal = 0`,
        )
        .run(rows[1]!.id),
    verify: [
      { image: 1, item: 'ckks rows' },
      { image: 1, item: 'ckks:9' },
    ],
    classify: 1,
    gallery: ['~1'],
  },
  {
    name: 'CKKS row swapped between images',
    tamper: (db, { rows }) => {
      const get = db.prepare(
        'SELECT data, mac FROM ckks_ciphertexts WHERE image_id = ? AND ordinal = 0',
      );
      const other = get.get(rows[0]!.id) as { data: Buffer; mac: Buffer };
      db.prepare(
        'UPDATE ckks_ciphertexts SET data = ?, mac = ? WHERE image_id = ? AND ordinal = 0',
      ).run(other.data, other.mac, rows[1]!.id);
    },
    verify: [{ image: 1, item: 'ckks:0' }],
    classify: 1,
  },
  {
    name: 'CKKS rows swapped between ordinals',
    tamper: (db, { rows }) => {
      const move = db.prepare(
        'UPDATE ckks_ciphertexts SET ordinal = ? WHERE image_id = ? AND ordinal = ?',
      );
      for (const [from, to] of [
        [0, 100],
        [1, 0],
        [100, 1],
      ])
        move.run(to, rows[1]!.id, from);
    },
    verify: [
      { image: 1, item: 'ckks:0' },
      { image: 1, item: 'ckks:1' },
    ],
    classify: 1,
  },
  {
    name: 'CKKS row: one byte of a ciphertext flipped',
    tamper: (db, { rows }) =>
      flipColumn(db, 'ckks_ciphertexts', 'data', 'image_id = ? AND ordinal = 2', rows[1]!.id),
    verify: [{ image: 1, item: 'ckks:2' }],
    classify: 1,
  },
  // AES parts.
  {
    name: 'original: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'images', 'original', 'id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'original' }],
    exportFails: [1],
  },
  {
    name: 'non-feature chunks: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'images', 'rest', 'id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'rest' }],
  },
  // Results shown to the user.
  {
    name: 'classification: one byte flipped',
    tamper: (db, { rows }) =>
      flipColumn(db, 'classifications', 'result', 'image_id = ?', rows[1]!.id),
    verify: [{ image: 1, item: /^classification:/ }],
    gallery: ['~1'],
  },
  {
    name: 'classification: moved to another image',
    tamper: (db, { rows }) => {
      db.prepare('DELETE FROM classifications WHERE image_id = ?').run(rows[1]!.id);
      db.prepare('UPDATE classifications SET image_id = ? WHERE image_id = ?').run(
        rows[1]!.id,
        rows[0]!.id,
      );
    },
    verify: [{ image: 1, item: /^classification:/ }],
    gallery: ['~1'],
  },
  {
    name: 'obfuscated-tier embedding: one byte flipped',
    tamper: (db, { rows }) =>
      flipColumn(db, 'obf_embeddings', 'payload', 'image_id = ?', rows[1]!.id),
    verify: [{ image: 1, item: /^obf-embedding:/ }],
  },
  {
    name: 'review state: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'image_reviews', 'state', 'image_id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'review' }],
    gallery: ['~1'],
  },
  {
    name: 'review state: moved to another image',
    tamper: (db, { rows }) =>
      db
        .prepare('UPDATE image_reviews SET image_id = ? WHERE image_id = ?')
        .run(rows[2]!.id, rows[1]!.id),
    verify: [{ image: 2, item: 'review' }],
    gallery: ['~2'],
  },
  {
    name: 'vault model: one byte flipped',
    tamper: (db, { modelId }) => flipColumn(db, 'vault_models', 'model', 'id = ?', modelId),
    verify: [{ image: /^model /.source, item: 'model' }],
    modelsListed: 0,
  },
];

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

async function expectCase(
  vault: UnlockedVault,
  c: Case,
  ids: Ids,
  modelFile: string,
  outDir: string,
): Promise<void> {
  const label = (image: number | string) =>
    typeof image === 'number' ? ids.rows[image]!.uid : new RegExp(image);
  const { problems } = verifyVault(vault);
  for (const want of c.verify) {
    const image = label(want.image);
    const found = problems.some(
      (p) =>
        (typeof image === 'string' ? p.image === image : image.test(p.image)) &&
        (typeof want.item === 'string' ? p.item === want.item : want.item.test(p.item)),
    );
    expect(
      found,
      `verify names ${String(want.image)} / ${String(want.item)}: ${JSON.stringify(problems)}`,
    ).toBe(true);
  }
  // Untouched images report nothing (the key set is every image's, so those cases list none).
  const named = new Set(c.verify.map((v) => label(v.image)));
  for (const [i, row] of ids.rows.entries())
    if (!named.has(row.uid) && !c.verify.some((v) => v.image === i))
      expect(problems.filter((p) => p.image === row.uid)).toEqual([]);

  const model = await loadModel(modelFile);
  if (c.classify === 'all') {
    await expect(classifyVault(vault, { model, workers: 1 })).rejects.toThrow(/CKKS key set/);
  } else if (c.classify !== undefined) {
    const report = await classifyVault(vault, { model, workers: 1 });
    expect(report.classified).toEqual([]);
    expect(report.failed.map((f) => f.id)).toEqual([ids.rows[c.classify]!.uid]);
    expect(report.failed[0]!.reason).toMatch(/image [0-9a-f]{32}|integrity/);
  }

  for (const [i, row] of ids.rows.entries()) {
    const out = path.join(outDir, `export-${row.uid}-${Math.random().toString(36).slice(2)}`);
    const exported = exportOriginal(vault, row.uid, out);
    if (c.exportFails?.includes(i))
      await expect(exported).rejects.toThrow(/integrity check failed/);
    else await expect(exported).resolves.toMatchObject({ id: row.uid });
  }

  const damagedModels: string[] = [];
  expect(listVaultModels(vault, (id) => damagedModels.push(id))).toHaveLength(c.modelsListed ?? 1);
  expect(damagedModels).toHaveLength(1 - (c.modelsListed ?? 1));
  const csv = reviewCsv(vault);
  expect(csv.rows, 'the review CSV keeps every image').toBe(ids.rows.length);
  for (const [i, row] of ids.rows.entries()) {
    const line = csv.csv.split('\r\n').find((l) => l.startsWith(row.uid))!;
    if (c.gallery?.includes(i)) expect(line).toMatch(/integrity check failed/);
  }
  const listing = galleryListing(vault);
  expect(listing).toHaveLength(ids.rows.length);
  for (const [i, row] of ids.rows.entries()) {
    const entry = listing.find((e) => e.id === row.uid)!;
    const tile = c.gallery?.includes(i) === true;
    const flagged = c.gallery?.includes(`~${i}`) === true;
    expect(isGalleryError(entry), `gallery tile of image ${i}`).toBe(tile);
    if (!isGalleryError(entry))
      expect(entry.problems.length > 0, `gallery problems of image ${i}`).toBe(flagged);
  }
}

/** An obfuscated-tier result in the stored format (obf-embeddings.ts). */
function insertEmbedding(vault: UnlockedVault, row: { id: number; uid: string }): void {
  const embedding = new Float32Array(512).map((_, i) => Math.cos(i) / 16);
  const body = JSON.stringify({
    classIndex: 0,
    predicted: 'crazing',
    scores: [1, 0, 0, 0, 0, 0],
    embedding: Buffer.from(embedding.buffer).toString('base64'),
  });
  const modelId = 'obf-test-model';
  const payload = sealAead(
    vault.sealingKeys.blobKey,
    Buffer.from(body),
    obfEmbeddingAad(vault.vaultId, row.uid, modelId),
  );
  vault.catalogue.write((tx) => tx.embeddings.put(row.id, modelId, payload));
}
