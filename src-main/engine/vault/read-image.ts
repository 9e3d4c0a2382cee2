// Key-holder reads: metadata (with the sealed layout), originals, the block group.
// Every read authenticates what it decrypts and checks that the catalogue holds exactly
// what the sealed layout says — no CKKS row missing, extra or moved; a flipped byte is an
// IntegrityError naming the image and the item, never silently wrong pixels.
import { timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, open, rename, rm } from 'node:fs/promises';
import { CHUNK_COUNT, CHUNK_PIXELS } from '../../../src-shared/domain/geometry.ts';
import type { ImageSummary } from '../../../src-shared/contract/vault.ts';
import { IntegrityError } from '../crypto/index.ts';
import { loadSeal } from '../sealed/ckks/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../sealed/ckks/ckks-presets.ts';
import { chunkPackingById } from '../sealed/layouts/blocks/chunk-packing.ts';
import { CkksChunkCipher } from '../sealed/layouts/blocks/chunk-cipher.ts';
import { imagePartAad } from './item-aad.ts';
import { ckksCiphertextMac, openImageMeta, openOriginal, openRest } from './sealed-image.ts';
import type { ImageMeta } from './sealed-image.ts';
import { checkLayout, featurePositions, occupiedBlocks } from './image-layout.ts';
import { storedLayout } from '../sealed/layouts/layout.ts';
import type { ImageLayout } from './image-layout.ts';
import type { CiphertextRow, ImageRow } from './catalogue/index.ts';
import { findImageRow } from './image-rows.ts';
import type { UnlockedVault } from './vault.ts';
import { decryptLaneFeatureChunks } from './lanes/lane-read.ts';

/** The image's metadata, authenticated, with its layout checked against the row. */
export function decryptMeta(vault: UnlockedVault, row: ImageRow): ImageMeta {
  const meta = openImageMeta(vault.sealingKeys, row.uid, row.meta);
  const what = `image ${row.uid}`;
  checkLayout(meta.layout, row, what, (id) => chunkPackingById(id).chunksPerCiphertext);
  const lanes = storedLayout(meta.layout.packingId) === 'lanes';
  if (lanes !== (meta.layout.lanes !== null) || lanes !== (row.laneBatchId !== null))
    throw new IntegrityError(`layout of ${what}`, 'its packing, lanes and lane batch disagree');
  return meta;
}

export function summariseImage(vault: UnlockedVault, row: ImageRow): ImageSummary {
  return summaryOf(row, decryptMeta(vault, row));
}

/** The summary of an image whose metadata the caller has already opened (decryptMeta). */
export function summaryOf(row: ImageRow, meta: ImageMeta): ImageSummary {
  const { layout } = meta;
  return {
    id: row.uid,
    name: meta.name,
    label: meta.label,
    format: meta.format,
    width: meta.width,
    height: meta.height,
    byteLength: meta.byteLength,
    importedAt: row.importedAt,
    threshold: layout.threshold,
    lowGradient: layout.lowGradient,
    chunkCount: CHUNK_COUNT,
    signedIndices: [...layout.signedIndices],
    featureIndices: layout.signedIndices.filter((index) => index > 0),
    scores: [...meta.scores],
  };
}

export function listImages(vault: UnlockedVault): ImageSummary[] {
  return vault.catalogue.read.images.list().map((row) => summariseImage(vault, row));
}

export function getImage(vault: UnlockedVault, uidOrPrefix: string): ImageSummary {
  return summariseImage(vault, findImageRow(vault, uidOrPrefix));
}

export function decryptOriginal(
  vault: UnlockedVault,
  uidOrPrefix: string,
): { summary: ImageSummary; bytes: Uint8Array } {
  const row = findImageRow(vault, uidOrPrefix);
  const summary = summariseImage(vault, row);
  const original = vault.catalogue.read.images.original(row.id);
  const bytes = openOriginal(vault.sealingKeys, row.uid, original);
  return { summary, bytes };
}

/**
 * Writes a decrypted original to outFile; never replaces an existing file unless told.
 * The bytes go to an exclusive temp file (fsynced), which is then hard-linked to the
 * target — link fails atomically if the target exists, so there is no check-then-rename
 * race. Where the file system has no hard links, an exclusive copy does the same.
 */
export async function exportOriginal(
  vault: UnlockedVault,
  uidOrPrefix: string,
  outFile: string,
  options: { overwrite?: boolean } = {},
): Promise<ImageSummary & { outFile: string }> {
  const { summary, bytes } = decryptOriginal(vault, uidOrPrefix);
  const tmp = `${outFile}.sealsight-${process.pid}-${Date.now()}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.overwrite) await rename(tmp, outFile);
    else await linkExclusive(tmp, outFile);
  } finally {
    await rm(tmp, { force: true });
  }
  return { ...summary, outFile };
}

async function linkExclusive(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new Error(`${to} already exists (use --force to overwrite)`, { cause: error });
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw error;
    await copyFile(from, to, constants.COPYFILE_EXCL).catch((copyError: NodeJS.ErrnoException) => {
      if (copyError.code === 'EEXIST')
        throw new Error(`${to} already exists (use --force to overwrite)`);
      throw copyError;
    });
  }
}

/**
 * Reassembles the preprocessed 112×112 image from its block group: the AES chunks are
 * opened, CKKS chunks are MAC-checked and decrypted (key holder only). A lanes-layout
 * image decrypts its whole batch (784 ciphertexts) for its few lanes: seconds, not ms.
 */
export async function decryptChunkGrid(
  vault: UnlockedVault,
  uidOrPrefix: string,
): Promise<Uint8Array[]> {
  const row = findImageRow(vault, uidOrPrefix);
  const { layout } = decryptMeta(vault, row);
  const rest = openRest(vault.sealingKeys, row.uid, vault.catalogue.read.images.rest(row.id));
  const features = layout.lanes
    ? await decryptLaneFeatureChunks(vault, row, layout)
    : await decryptBlockFeatureChunks(vault, row, layout);
  const positions = featurePositions(layout.signedIndices);
  return Array.from({ length: CHUNK_COUNT }, (_, position) => {
    const k = positions.indexOf(position);
    if (k < 0) return rest.slice(position * CHUNK_PIXELS, (position + 1) * CHUNK_PIXELS);
    return Uint8Array.from(features[k]!, (v) => Math.min(255, Math.max(0, Math.round(v * 255))));
  });
}

/**
 * The image's CKKS ciphertexts, authenticated, in ordinal order, with how many blocks
 * of each hold a feature chunk (from the sealed layout): exactly the sealed set of rows.
 */
export function readVerifiedCiphertexts(
  vault: UnlockedVault,
  row: ImageRow,
  layout: ImageLayout = decryptMeta(vault, row).layout,
): { ciphertexts: Buffer[]; occupiedBlocks: number[] } {
  if (!layout.blocks) throw new Error(`image ${row.uid} is stored in a lane batch`);
  const stored = vault.catalogue.read.images.ciphertexts(row.id);
  checkCiphertextSet(row, layout, stored);
  for (const c of stored) checkCiphertextMac(vault, row, c);
  return { ciphertexts: stored.map((c) => c.data), occupiedBlocks: occupiedBlocks(layout) };
}

/**
 * The cheap part of the exact-set check, for listings: the image's CKKS ordinals (no
 * data read, no MAC) against its sealed layout. Null when they agree.
 */
export function ciphertextSetProblem(
  vault: UnlockedVault,
  row: ImageRow,
  layout: ImageLayout,
): string | null {
  const ordinals = vault.catalogue.read.images.ciphertextOrdinals(row.id);
  try {
    checkCiphertextSet(
      row,
      layout,
      ordinals.map((ordinal) => ({ ordinal })),
    );
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Exactly ordinals 0 … ckksCount − 1, as sealed: none missing, none extra. */
export function checkCiphertextSet(
  row: ImageRow,
  layout: ImageLayout,
  stored: ReadonlyArray<{ ordinal: number }>,
): void {
  const count = layout.blocks?.ckksCount ?? 0;
  const ordinals = stored.map((c) => c.ordinal);
  if (ordinals.length !== count || ordinals.some((ordinal, i) => ordinal !== i))
    throw new IntegrityError(
      `CKKS ciphertexts of image ${row.uid}`,
      `the catalogue holds ordinals [${ordinals.join(', ')}], the sealed layout ${count} (0…${count - 1})`,
    );
}

export function checkCiphertextMac(
  vault: UnlockedVault,
  row: ImageRow,
  { ordinal, data, mac }: CiphertextRow,
): void {
  const aad = imagePartAad(vault.vaultId, row.uid, `ckks:${ordinal}`);
  const expected = ckksCiphertextMac(vault.sealingKeys.ckksMacKey, aad, data);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected))
    throw new IntegrityError(`CKKS ciphertext ${ordinal} of image ${row.uid}`);
}

async function decryptBlockFeatureChunks(
  vault: UnlockedVault,
  row: ImageRow,
  layout: ImageLayout,
): Promise<Float64Array[]> {
  const { ciphertexts } = readVerifiedCiphertexts(vault, row, layout);
  const seal = await loadSeal();
  const keyset = vault.keysetById(row.keysetId);
  using ckks = createCkksContext(seal, ckksPresetById(keyset.evaluation.presetId));
  const secretKey = vault.unwrapCkksSecretKey(row.keysetId);
  try {
    using cipher = new CkksChunkCipher(seal, ckks, chunkPackingById(row.packingId), secretKey);
    return cipher.decryptChunks(ciphertexts, layout.blocks!.features.length);
  } finally {
    secretKey.fill(0);
  }
}
