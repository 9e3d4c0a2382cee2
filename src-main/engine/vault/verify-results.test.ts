// Stored results on a real vault (three bundled samples): verifyResults names the image
// and the item of every tampered, moved or malformed classification, embedding, review
// state and vault model, and a bad item costs the gallery and `list` only its own image.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sealAead } from '../crypto/index.ts';
import { serializeModel } from '../sealed/model/model-file.ts';
import { PAPER_ARCHITECTURE, randomChunkCnn } from '../sealed/model/chunk-cnn.ts';
import { EMBEDDING_SIZE } from '../obfuscated/architectures.ts';
import { NEU_CLASSES } from '../../../src-shared/domain/classes.ts';
import { listCommand } from '../../cli/commands/vault-commands.ts';
import type { StoredClassification } from './classify.ts';
import { galleryEntries, galleryEntry, galleryListing, isGalleryError } from './gallery.ts';
import type { GalleryEntry, GalleryError } from './gallery.ts';
import { importFolder } from './import-folder.ts';
import { imagePartAad } from './item-aad.ts';
import { obfEmbeddingAad } from './obfuscated/obf-embeddings.ts';
import { reviewStates, setReviewed } from './review-state.ts';
import { initVault, openVault } from './vault.ts';
import type { UnlockedVault } from './vault.ts';
import { storeVaultModel } from './vault-models.ts';
import { openStoredClassification, verifyResults } from './verify-results.ts';
import { makeTempDir, REPO_ROOT } from '../../../test/helpers/fixtures.ts';
import { openCatalogueFile } from '../../../test/helpers/catalogue-file.ts';
import type { CatalogueFile } from '../../../test/helpers/catalogue-file.ts';

const PASS = 'results test passphrase';
const SAMPLES = ['crazing/Cr_10.bmp', 'inclusion/In_1.bmp', 'patches/Pa_1.bmp'];

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let vaultDir: string;
let vault: UnlockedVault;
/** The vault's catalogue file, where the tests store, tamper with and restore rows. */
let catalogueFile: CatalogueFile;
let ids: Array<{ id: number; uid: string }>;
let modelId: string;
let names: string[]; // file names in catalogue order

/** A classification sealed exactly as classify.ts stores one. */
function seal(uid: string, model: string, body: Record<string, unknown>): Uint8Array {
  const aad = imagePartAad(vault.vaultId, uid, `classification:${model}`);
  return sealAead(vault.sealingKeys.blobKey, Buffer.from(JSON.stringify(body)), aad);
}

function classification(classIndex: number): StoredClassification {
  const scores = NEU_CLASSES.map((_, c) => (c === classIndex ? 3.25 : -1.5 + c / 10));
  return {
    modelId,
    classIndex,
    predicted: NEU_CLASSES[classIndex]!,
    scores,
    chunksUsed: 9,
    seconds: 1.5,
    workerSeconds: 1.25,
  };
}

function store(imageId: number, uid: string, body: object, model = modelId): void {
  catalogueFile
    .prepare(
      `INSERT INTO classifications (image_id, model_id, classified_at, result) VALUES (?, ?, ?, ?)
       ON CONFLICT (image_id, model_id) DO UPDATE SET result = excluded.result`,
    )
    .run(imageId, model, new Date().toISOString(), seal(uid, model, { ...body }));
}

/** Every problem verifyResults reports, as "image item". */
function problems(): string[] {
  const found: string[] = [];
  verifyResults(vault, (image, item, fn) => {
    try {
      fn();
    } catch {
      found.push(`${image} ${item}`);
    }
  });
  return found;
}

function flipByte(table: string, column: string, where: string, ...args: unknown[]): void {
  const blob = catalogueFile
    .prepare(`SELECT ${column} FROM ${table} WHERE ${where}`)
    .pluck()
    .get(...args);
  const bytes = Buffer.from(blob as Buffer);
  bytes[bytes.length - 5]! ^= 0x01;
  catalogueFile.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where}`).run(bytes, ...args);
}

beforeAll(async () => {
  tmp = await makeTempDir();
  vaultDir = path.join(tmp.dir, 'vault');
  const folder = path.join(tmp.dir, 'incoming');
  for (const sample of SAMPLES) {
    await mkdir(path.join(folder, path.dirname(sample)), { recursive: true });
    await copyFile(
      path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls', sample),
      path.join(folder, sample),
    );
  }
  await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
  vault = await openVault(vaultDir, PASS);
  catalogueFile = openCatalogueFile(vaultDir);
  const report = await importFolder(vault, folder, { labelsFromFolders: true, workers: 2 });
  expect(report.imported).toBe(SAMPLES.length);
  ids = catalogueFile.prepare('SELECT id, uid FROM images ORDER BY id').all() as typeof ids;
  names = galleryEntries(vault).map((e) => e.summary.name);
  expect([...names].sort()).toEqual(SAMPLES);
  const weights = randomChunkCnn(PAPER_ARCHITECTURE, 4);
  const text = serializeModel(weights, {
    classes: NEU_CLASSES,
    threshold: 100,
    minFeatureChunks: 0,
    activationRanges: { conv: 1, fc1: 1, scores: 1 },
  });
  modelId = storeVaultModel(vault, text).id;
}, 300_000);

afterAll(async () => {
  catalogueFile?.close();
  vault?.close();
  await tmp?.cleanup();
});

// Every test starts from the same good state: one classification and one review per image.
beforeEach(() => {
  catalogueFile.exec('DELETE FROM classifications; DELETE FROM obf_embeddings;');
  ids.forEach(({ id, uid }, i) => {
    store(id, uid, classification(i));
    setReviewed(vault, uid, i % 2 === 0);
  });
});

describe('verifyResults', () => {
  it('passes a good vault and counts every stored result', () => {
    const items: string[] = [];
    verifyResults(vault, (image, item, fn) => {
      items.push(item);
      fn();
    });
    expect(items.filter((i) => i === `classification:${modelId}`)).toHaveLength(ids.length);
    expect(items.filter((i) => i === 'review')).toHaveLength(ids.length);
    expect(items.filter((i) => i === 'model')).toHaveLength(1);
  });

  it('names the image and the model of a tampered classification', () => {
    const { id, uid } = ids[1]!;
    flipByte('classifications', 'result', 'image_id = ?', id);
    expect(problems()).toEqual([`${uid} classification:${modelId}`]);
  });

  it('detects a classification moved to another image', () => {
    const [a, b] = ids as [(typeof ids)[0], (typeof ids)[0]];
    catalogueFile.prepare('DELETE FROM classifications WHERE image_id = ?').run(b.id);
    catalogueFile
      .prepare('UPDATE classifications SET image_id = ? WHERE image_id = ?')
      .run(b.id, a.id);
    expect(problems()).toEqual([`${b.uid} classification:${modelId}`]);
  });

  it('checks the shape of an authentic classification against the model', () => {
    const [a, b, c] = ids as [(typeof ids)[0], (typeof ids)[0], (typeof ids)[0]];
    store(a.id, a.uid, { ...classification(0), classIndex: 6 }); // out of range
    store(b.id, b.uid, { ...classification(1), predicted: NEU_CLASSES[2] }); // not the class at 1
    store(c.id, c.uid, { ...classification(2), scores: [1, null, 2, 0, 0, 0] }); // NaN → null
    expect(problems()).toEqual([a, b, c].map((x) => `${x.uid} classification:${modelId}`));
    expect(() => openStoredClassification(vault, b.uid, modelId, seal(b.uid, modelId, {}))).toThrow(
      new RegExp(`classification by model ${modelId} of image ${b.uid}`),
    );
  });

  it('checks a sealed search embedding: unit length, with its head named', () => {
    const [a, b, c] = ids as [(typeof ids)[0], (typeof ids)[0], (typeof ids)[0]];
    const sealed = { embedding: [0.6, 0.8], embeddingHeadId: 'head' };
    store(a.id, a.uid, { ...classification(0), ...sealed, embedding: [0.6, 0.9] });
    store(b.id, b.uid, { ...classification(1), embedding: [1, 0] });
    store(c.id, c.uid, { ...classification(2), ...sealed });
    expect(problems()).toEqual([a, b].map((x) => `${x.uid} classification:${modelId}`));
  });

  it('reports rows whose image is gone', () => {
    catalogueFile.pragma('foreign_keys = OFF');
    try {
      catalogueFile
        .prepare(
          `INSERT INTO classifications (image_id, model_id, classified_at, result) VALUES (999, ?, '', x'00')`,
        )
        .run(modelId);
    } finally {
      catalogueFile.pragma('foreign_keys = ON');
    }
    expect(problems()).toEqual([`image row 999 classification:${modelId}`]);
  });

  it('checks obfuscated-tier embeddings: tag and embedding length', () => {
    const insert = (imageId: number, uid: string, floats: number) => {
      const body = JSON.stringify({
        classIndex: 0,
        predicted: 'a',
        scores: [0.5, 0.25],
        embedding: Buffer.from(new Float32Array(floats).fill(0.04).buffer).toString('base64'),
      });
      const blob = sealAead(
        vault.sealingKeys.blobKey,
        Buffer.from(body),
        obfEmbeddingAad(vault.vaultId, uid, 'obf-m'),
      );
      catalogueFile
        .prepare(
          `INSERT INTO obf_embeddings (image_id, model_id, indexed_at, payload) VALUES (?, 'obf-m', '', ?)`,
        )
        .run(imageId, blob);
    };
    insert(ids[0]!.id, ids[0]!.uid, EMBEDDING_SIZE);
    insert(ids[1]!.id, ids[1]!.uid, EMBEDDING_SIZE - 1);
    insert(ids[2]!.id, ids[2]!.uid, EMBEDDING_SIZE);
    flipByte('obf_embeddings', 'payload', 'image_id = ?', ids[2]!.id);
    expect(problems()).toEqual([ids[1]!, ids[2]!].map((x) => `${x.uid} obf-embedding:obf-m`));
  });

  it('names a corrupted vault model', () => {
    flipByte('vault_models', 'model', 'id = ?', modelId);
    try {
      expect(problems()).toEqual([`model ${modelId} model`]);
    } finally {
      flipByte('vault_models', 'model', 'id = ?', modelId);
    }
  });
});

describe('one bad item costs only its image', () => {
  it('a flipped review state: verify names it, the others keep their state', () => {
    const [a, b, c] = ids as [(typeof ids)[0], (typeof ids)[0], (typeof ids)[0]];
    flipByte('image_reviews', 'state', 'image_id = ?', b.id);
    expect(problems()).toEqual([`${b.uid} review`]);
    const { states, problems: bad } = reviewStates(vault);
    expect(bad.map((p) => [p.image, p.item])).toEqual([[b.uid, 'review']]);
    expect(bad[0]!.reason).toMatch(new RegExp(`review state of image ${b.uid}`));
    expect([...states.keys()].sort()).toEqual([a.uid, c.uid].sort());
    expect(states.get(a.uid)?.reviewed).toBe(true);
    const gallery = galleryEntries(vault);
    expect(gallery.map((e) => e.id)).toEqual([a.uid, b.uid, c.uid]);
    expect(gallery.map((e) => e.reviewed)).toEqual([true, false, true]);
    expect(gallery[1]!.problems).toEqual([{ item: 'review', reason: bad[0]!.reason }]);
    expect(gallery.every((e) => e.prediction !== null)).toBe(true);
  });

  it('a corrupted classification: the image stays listed without a prediction', () => {
    flipByte('classifications', 'result', 'image_id = ?', ids[0]!.id);
    const gallery = galleryEntries(vault);
    expect(gallery.map((e) => e.prediction?.predicted ?? null)).toEqual([
      null,
      NEU_CLASSES[1],
      NEU_CLASSES[2],
    ]);
    expect(gallery[0]!.problems.map((p) => p.item)).toEqual([`classification:${modelId}`]);
  });

  it('corrupted metadata: the gallery and list show that image as an error, the rest normally', async () => {
    const [a, b, c] = ids as [(typeof ids)[0], (typeof ids)[0], (typeof ids)[0]];
    const original = catalogueFile
      .prepare('SELECT meta FROM images WHERE id = ?')
      .pluck()
      .get(b.id);
    flipByte('images', 'meta', 'id = ?', b.id);
    try {
      const listing = galleryListing(vault);
      expect(listing.map((e) => e.id)).toEqual([a.uid, b.uid, c.uid]);
      const bad = listing[1] as GalleryError;
      expect(isGalleryError(bad)).toBe(true);
      expect(bad.error).toMatch(
        new RegExp(`integrity check failed for metadata of image ${b.uid}`),
      );
      const good = listing.filter((e): e is GalleryEntry => !isGalleryError(e));
      expect(good.map((e) => e.summary.name)).toEqual([names[0], names[2]]);
      expect(good.map((e) => e.prediction?.predicted)).toEqual([NEU_CLASSES[0], NEU_CLASSES[2]]);

      const logged: string[] = [];
      const result = await listCommand([vaultDir, '--json'], {
        json: true,
        env: { SEALSIGHT_PASSPHRASE: PASS },
        log: (line) => logged.push(line),
      });
      expect(result.exitCode).toBe(1);
      const json = result.json as {
        count: number;
        images: Array<{ id: string; name: string }>;
        errors: Array<{ id: string; item: string; reason: string }>;
      };
      expect(json.images.map((i) => i.id)).toEqual([a.uid, c.uid]);
      expect(json.errors).toEqual([{ id: b.uid, item: 'meta', reason: bad.error }]);
      expect(result.text).toContain(`${b.uid.slice(0, 12)}  meta: integrity check failed`);
    } finally {
      catalogueFile.prepare('UPDATE images SET meta = ? WHERE id = ?').run(original, b.id);
    }
  });

  it("one image's entry is its listing entry, read from that image's rows alone", () => {
    const [a, b, c] = ids as [(typeof ids)[0], (typeof ids)[0], (typeof ids)[0]];
    flipByte('classifications', 'result', 'image_id = ?', a.id);
    flipByte('image_reviews', 'state', 'image_id = ?', b.id);
    const meta = catalogueFile.prepare('SELECT meta FROM images WHERE id = ?').pluck().get(c.id);
    flipByte('images', 'meta', 'id = ?', c.id);
    try {
      const listing = galleryListing(vault);
      expect(listing.map((e) => isGalleryError(e) || e.problems.length > 0)).toEqual([
        true,
        true,
        true,
      ]);
      const { read } = vault.catalogue;
      const byUid = vi.spyOn(read.images, 'byUid');
      const everyImage = [
        vi.spyOn(read.images, 'list'),
        vi.spyOn(read.images, 'page'),
        vi.spyOn(read.reviews, 'all'),
        vi.spyOn(read.classifications, 'allByTime'),
      ];
      for (const entry of listing) expect(galleryEntry(vault, entry.id)).toEqual(entry);
      expect(galleryEntry(vault, 'f'.repeat(32))).toBeNull();
      expect(byUid).toHaveBeenCalledTimes(listing.length + 1);
      for (const spy of everyImage) expect(spy).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
      catalogueFile.prepare('UPDATE images SET meta = ? WHERE id = ?').run(meta, c.id);
    }
  });
});
