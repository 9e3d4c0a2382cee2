// Key-holder reads: metadata, originals, the block group, and a full integrity check.
// Every read authenticates what it decrypts; a flipped byte is an IntegrityError
// naming the image and the item, never silently wrong pixels.
import { timingSafeEqual } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { CHUNK_COUNT, CHUNK_PIXELS } from '../../../src-shared/domain/geometry.ts';
import type { ImageSummary, VerifyReport } from '../../../src-shared/contract/vault.ts';
import { IntegrityError, openAead } from '../crypto/index.ts';
import { loadSeal } from '../he/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../he/ckks-presets.ts';
import { chunkPackingById } from '../he/chunk-packing.ts';
import { CkksChunkCipher } from '../he/chunk-cipher.ts';
import { imagePartAad } from './item-aad.ts';
import { ckksCiphertextMac } from './sealed-image.ts';
import type { ImageMeta } from './sealed-image.ts';
import {
  findImageRow,
  listImageRows,
  readChunks,
  readCiphertexts,
  readOriginalBlob,
} from './image-store.ts';
import type { ImageRow } from './image-store.ts';
import type { UnlockedVault } from './vault.ts';
import { LANE_PACKING_ID, readLaneBatch } from './lane-store.ts';
import { decryptLaneFeatureChunks, laneLocation, verifyLaneBatches } from './lane-read.ts';
import { openLaneMap } from './sealed-lane-batch.ts';

export function decryptMeta(vault: UnlockedVault, row: ImageRow): ImageMeta {
  const aad = imagePartAad(vault.vaultId, row.uid, 'meta');
  const bytes = openAead(vault.sealingKeys.blobKey, row.meta, aad, `metadata of image ${row.uid}`);
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageMeta;
}

/** One image's summary (decrypts its metadata: throws an IntegrityError if it was altered). */
export function summariseImage(vault: UnlockedVault, row: ImageRow): ImageSummary {
  const meta = decryptMeta(vault, row);
  return {
    id: row.uid,
    name: meta.name,
    label: meta.label,
    format: meta.format,
    width: meta.width,
    height: meta.height,
    byteLength: meta.byteLength,
    importedAt: row.importedAt,
    threshold: row.threshold,
    lowGradient: row.lowGradient,
    chunkCount: CHUNK_COUNT,
    signedIndices: row.signedIndices,
    featureIndices: row.signedIndices.filter((index) => index > 0),
    scores: [...meta.scores],
  };
}

export function listImages(vault: UnlockedVault): ImageSummary[] {
  return listImageRows(vault.db).map((row) => summariseImage(vault, row));
}

export function getImage(vault: UnlockedVault, uidOrPrefix: string): ImageSummary {
  return summariseImage(vault, findImageRow(vault.db, uidOrPrefix));
}

export function decryptOriginal(
  vault: UnlockedVault,
  uidOrPrefix: string,
): { summary: ImageSummary; bytes: Uint8Array } {
  const row = findImageRow(vault.db, uidOrPrefix);
  const summary = summariseImage(vault, row);
  const bytes = openAead(
    vault.sealingKeys.blobKey,
    readOriginalBlob(vault.db, row.id),
    imagePartAad(vault.vaultId, row.uid, 'original'),
    `original file of image ${row.uid}`,
  );
  return { summary, bytes };
}

/** Writes a decrypted original to outFile atomically; refuses to overwrite unless told. */
export async function exportOriginal(
  vault: UnlockedVault,
  uidOrPrefix: string,
  outFile: string,
  options: { overwrite?: boolean } = {},
): Promise<ImageSummary & { outFile: string }> {
  const { summary, bytes } = decryptOriginal(vault, uidOrPrefix);
  const tmp = `${outFile}.sealsight-${process.pid}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (!options.overwrite) {
      const exists = await open(outFile, 'r').then(
        async (h) => (await h.close(), true),
        () => false,
      );
      if (exists) throw new Error(`${outFile} already exists (use --force to overwrite)`);
    }
    await rename(tmp, outFile);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return { ...summary, outFile };
}

/**
 * Reassembles the preprocessed 112×112 image from its block group: AES chunks are
 * opened, CKKS chunks are MAC-checked and decrypted (key holder only). A lanes-layout
 * image decrypts its whole batch (784 ciphertexts) for its few lanes: seconds, not ms.
 */
export async function decryptChunkGrid(
  vault: UnlockedVault,
  uidOrPrefix: string,
): Promise<Uint8Array[]> {
  const row = findImageRow(vault.db, uidOrPrefix);
  const chunks = readChunks(vault.db, row.id);
  const lanes = row.packingId === LANE_PACKING_ID;
  const ckksChunks = lanes
    ? await decryptLaneFeatureChunks(vault, row)
    : await decryptFeatureChunks(vault, row, readCiphertexts(vault.db, row.id));
  let featureOrdinal = 0;
  return chunks.map((chunk) => {
    if (chunk.aesBlob) {
      return openAead(
        vault.sealingKeys.blobKey,
        chunk.aesBlob,
        imagePartAad(vault.vaultId, row.uid, `chunk:${chunk.position}`),
        `chunk ${chunk.position} of image ${row.uid}`,
      );
    }
    const values = lanes
      ? ckksChunks[featureOrdinal++]!
      : ckksChunks[
          chunk.ckksOrdinal! * chunkPackingById(row.packingId).chunksPerCiphertext +
            chunk.ckksBlock!
        ]!;
    return Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round(v * 255))));
  });
}

/** The image's CKKS ciphertexts, authenticated by the key holder before use. */
export function readVerifiedCiphertexts(vault: UnlockedVault, row: ImageRow): Buffer[] {
  if (row.packingId === LANE_PACKING_ID)
    throw new Error(`image ${row.uid} is stored in a lane batch (see lane-read.ts)`);
  const ciphertexts = readCiphertexts(vault.db, row.id);
  checkCiphertextMacs(vault, row, ciphertexts);
  return ciphertexts.map((c) => c.data);
}

function checkCiphertextMacs(
  vault: UnlockedVault,
  row: ImageRow,
  ciphertexts: ReadonlyArray<{ ordinal: number; data: Buffer; mac: Buffer }>,
): void {
  for (const { ordinal, data, mac } of ciphertexts) {
    const aad = imagePartAad(vault.vaultId, row.uid, `ckks:${ordinal}`);
    const expected = ckksCiphertextMac(vault.sealingKeys.ckksMacKey, aad, data);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw new IntegrityError(`CKKS ciphertext ${ordinal} of image ${row.uid}`);
    }
  }
}

async function decryptFeatureChunks(
  vault: UnlockedVault,
  row: ImageRow,
  ciphertexts: ReadonlyArray<{ ordinal: number; data: Buffer; mac: Buffer }>,
): Promise<Float64Array[]> {
  checkCiphertextMacs(vault, row, ciphertexts);
  const featureCount = row.signedIndices.filter((index) => index > 0).length;
  const seal = await loadSeal();
  const keyset = vault.currentKeyset();
  using ckks = createCkksContext(seal, ckksPresetById(keyset.evaluation.presetId));
  const secretKey = vault.unwrapCkksSecretKey(row.keysetId);
  try {
    using cipher = new CkksChunkCipher(seal, ckks, chunkPackingById(row.packingId), secretKey);
    return cipher.decryptChunks(
      ciphertexts.map((c) => c.data),
      featureCount,
    );
  } finally {
    secretKey.fill(0);
  }
}

/**
 * Authenticates every stored item of every image (AES tags, CKKS MACs, layout), then
 * every lane batch (lane map MAC, 784 ciphertext MACs; reported as `lane batch <uid>`).
 */
export function verifyVault(vault: UnlockedVault): VerifyReport {
  const problems: VerifyReport['problems'] = [];
  let itemsChecked = 0;
  const rows = listImageRows(vault.db);
  for (const row of rows) {
    const check = (item: string, fn: () => void) => {
      itemsChecked++;
      try {
        fn();
      } catch (error) {
        problems.push({
          image: row.uid,
          item,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    };
    const key = vault.sealingKeys.blobKey;
    check('meta', () => decryptMeta(vault, row));
    check('original', () =>
      openAead(
        key,
        readOriginalBlob(vault.db, row.id),
        imagePartAad(vault.vaultId, row.uid, 'original'),
        `original file of image ${row.uid}`,
      ),
    );
    const chunks = readChunks(vault.db, row.id);
    check('block group', () => {
      if (chunks.length !== CHUNK_COUNT)
        throw new Error(`has ${chunks.length} chunks, expected ${CHUNK_COUNT}`);
      chunks.forEach((chunk, position) => {
        if (chunk.signedIndex !== row.signedIndices[position]) {
          throw new Error(
            `chunk ${position} index ${chunk.signedIndex} disagrees with the image's layout`,
          );
        }
      });
    });
    for (const chunk of chunks) {
      if (!chunk.aesBlob) continue;
      check(`chunk:${chunk.position}`, () => {
        const pixels = openAead(
          key,
          chunk.aesBlob!,
          imagePartAad(vault.vaultId, row.uid, `chunk:${chunk.position}`),
          `chunk ${chunk.position} of image ${row.uid}`,
        );
        if (pixels.length !== CHUNK_PIXELS)
          throw new Error(`chunk ${chunk.position} has ${pixels.length} pixels`);
      });
    }
    if (row.packingId === LANE_PACKING_ID) {
      check('lanes', () => {
        const { batchId } = laneLocation(vault.db, row);
        laneLocation(
          vault.db,
          row,
          openLaneMap(vault.sealingKeys, readLaneBatch(vault.db, batchId)),
        );
      });
    }
    const ciphertexts = readCiphertexts(vault.db, row.id);
    for (const ciphertext of ciphertexts) {
      check(`ckks:${ciphertext.ordinal}`, () => checkCiphertextMacs(vault, row, [ciphertext]));
    }
  }
  verifyLaneBatches(vault, (image, item, fn) => {
    itemsChecked++;
    try {
      fn();
    } catch (error) {
      problems.push({
        image,
        item,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  });
  return { images: rows.length, itemsChecked, problems };
}
