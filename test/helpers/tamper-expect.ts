// What the tamper matrix checks after each case: verify names exactly the damaged image
// and item, classify, export and the gallery refuse what depends on it, and every other
// image still works. Also the obfuscated-tier result the base vault holds.
import { expect } from 'vitest';
import path from 'node:path';
import {
  classifyVault,
  exportOriginal,
  loadModel,
  verifyVault,
} from '../../src-main/engine/index.ts';
import type { UnlockedVault } from '../../src-main/engine/vault/vault.ts';
import { sealAead } from '../../src-main/engine/crypto/index.ts';
import { galleryListing, isGalleryError } from '../../src-main/engine/vault/gallery.ts';
import { reviewCsv } from '../../src-main/engine/vault/review-csv.ts';
import { listVaultModels } from '../../src-main/engine/vault/vault-models.ts';
import { obfEmbeddingAad } from '../../src-main/engine/vault/obfuscated/obf-embeddings.ts';
import type { Case, Ids } from './tamper-cases.ts';

export async function expectCase(
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
export function insertEmbedding(vault: UnlockedVault, row: { id: number; uid: string }): void {
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
