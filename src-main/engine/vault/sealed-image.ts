// Compound encryption of one processed image (the paper's block group): feature
// chunks go to CKKS, every other chunk, the metadata and the original file go to
// AES-256-GCM. Import workers seal the pixel-bearing parts (original, the other
// chunks, CKKS ciphertexts); the importer seals the metadata last, once the image's
// layout (key set, ciphertext placement or lane batch) is known, so the layout is
// authenticated and hidden with the rest of the metadata. Nothing here touches the
// catalogue.
//
// Sizes reveal nothing about content: the original and the metadata are Padmé-padded
// (≤ 12 % overhead), and the non-feature chunks are one fixed-size blob of all 16
// positions (feature positions zero), so neither which chunks are features nor how
// many are is visible from the AES blobs.
import { createHmac } from 'node:crypto';
import { CHUNK_COUNT, CHUNK_PIXELS } from '../../../src-shared/domain/geometry.ts';
import { IntegrityError, openAead, padPayload, sealAead, unpadPayload } from '../crypto/index.ts';
import type { ProcessedImage } from '../image/index.ts';
import type { CkksChunkCipher } from '../sealed/layouts/blocks/chunk-cipher.ts';
import { imagePartAad } from './item-aad.ts';
import { blockLayout } from './image-layout.ts';
import type { ChunkSelection, ImageLayout } from './image-layout.ts';
import type { StoredImage } from './catalogue/index.ts';

/** Keys an import worker holds: AES blob key, CKKS MAC key (never the master key). */
export interface ImageSealingKeys {
  readonly vaultId: string;
  readonly blobKey: Uint8Array;
  readonly ckksMacKey: Uint8Array;
}

/** Decrypted per-image metadata (stored as one padded AES-GCM blob). */
export interface ImageMeta {
  readonly name: string;
  readonly label: string | null;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly byteLength: number;
  /** Sobel score per chunk, rounded to 1e-3. */
  readonly scores: readonly number[];
  readonly layout: ImageLayout;
}

/** What the pipeline learnt about an image: kept in memory until its metadata is sealed. */
export interface ImageInfo extends Omit<ImageMeta, 'layout'>, ChunkSelection {}

/** The AES-GCM parts of an image (both layouts), sealed on a worker. */
export interface SealedParts {
  readonly uid: string;
  readonly info: ImageInfo;
  readonly original: Uint8Array;
  /** All 16 chunk positions' pixels, feature positions zero (fixed size). */
  readonly rest: Uint8Array;
}

export interface SealedCiphertext {
  readonly ordinal: number;
  readonly data: Uint8Array;
  readonly mac: Uint8Array;
}

/** A blocks-layout image as a worker returns it (metadata not sealed yet). */
export interface SealedImage extends SealedParts {
  readonly packingId: string;
  readonly chunksPerCiphertext: number;
  readonly ciphertexts: readonly SealedCiphertext[];
}

export function ckksCiphertextMac(
  macKey: Uint8Array,
  aad: string,
  ciphertext: Uint8Array,
): Uint8Array {
  // The AAD is length-prefixed so (aad, data) pairs cannot be re-split.
  const aadBytes = Buffer.from(aad, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(aadBytes.length);
  return createHmac('sha256', macKey).update(length).update(aadBytes).update(ciphertext).digest();
}

export function sealAesParts(
  uid: string,
  processed: ProcessedImage,
  original: Uint8Array,
  info: { name: string; label: string | null },
  keys: ImageSealingKeys,
): SealedParts {
  const rest = new Uint8Array(CHUNK_COUNT * CHUNK_PIXELS);
  for (const chunk of processed.chunks)
    if (!chunk.isFeature) rest.set(chunk.pixels, chunk.position * CHUNK_PIXELS);
  return {
    uid,
    info: {
      name: info.name,
      label: info.label,
      format: processed.format,
      width: processed.width,
      height: processed.height,
      byteLength: original.byteLength,
      scores: processed.chunks.map((chunk) => Math.round(chunk.score * 1000) / 1000),
      threshold: processed.threshold,
      lowGradient: processed.lowGradient,
      signedIndices: processed.chunks.map((chunk) => chunk.signedIndex),
    },
    original: sealPadded(keys.blobKey, original, imagePartAad(keys.vaultId, uid, 'original')),
    rest: sealAead(keys.blobKey, rest, imagePartAad(keys.vaultId, uid, 'rest')),
  };
}

export function sealImage(
  uid: string,
  processed: ProcessedImage,
  original: Uint8Array,
  info: { name: string; label: string | null },
  keys: ImageSealingKeys,
  cipher: CkksChunkCipher,
): SealedImage {
  const parts = sealAesParts(uid, processed, original, info, keys);
  const features = processed.chunks.filter((chunk) => chunk.isFeature).map((c) => c.pixels);
  return {
    ...parts,
    packingId: cipher.packing.id,
    chunksPerCiphertext: cipher.packing.chunksPerCiphertext,
    ciphertexts: encryptBlockCiphertexts(cipher, uid, features, keys),
  };
}

/** An image's feature chunks in the blocks layout, each ciphertext MAC'd with its ordinal. */
export function encryptBlockCiphertexts(
  cipher: CkksChunkCipher,
  uid: string,
  features: readonly Uint8Array[],
  keys: ImageSealingKeys,
): SealedCiphertext[] {
  return cipher.encryptChunks(features).map((data, ordinal) => ({
    ordinal,
    data,
    mac: ckksCiphertextMac(
      keys.ckksMacKey,
      imagePartAad(keys.vaultId, uid, `ckks:${ordinal}`),
      data,
    ),
  }));
}

/** Seals the metadata with the image's layout (the importer, once the layout is known). */
export function sealImageMeta(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'blobKey'>,
  uid: string,
  meta: ImageMeta,
): Uint8Array {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  return sealPadded(keys.blobKey, json, imagePartAad(keys.vaultId, uid, 'meta'));
}

export function metaOf(info: ImageInfo, layout: ImageLayout): ImageMeta {
  const { name, label, format, width, height, byteLength, scores } = info;
  return { name, label, format, width, height, byteLength, scores: [...scores], layout };
}

/** Opens a metadata blob (authenticated, then unpadded); the layout is checked by the reader. */
export function openImageMeta(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'blobKey'>,
  uid: string,
  blob: Uint8Array | null,
): ImageMeta {
  const what = `metadata of image ${uid}`;
  const bytes = openPadded(keys.blobKey, blob, imagePartAad(keys.vaultId, uid, 'meta'), what);
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageMeta;
}

export function openOriginal(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'blobKey'>,
  uid: string,
  blob: Uint8Array | null,
): Uint8Array {
  const what = `original file of image ${uid}`;
  return openPadded(keys.blobKey, blob, imagePartAad(keys.vaultId, uid, 'original'), what);
}

/** The 16 positions' AES pixels (feature positions zero). */
export function openRest(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'blobKey'>,
  uid: string,
  blob: Uint8Array | null,
): Uint8Array {
  const what = `non-feature chunks of image ${uid}`;
  if (!blob) throw new IntegrityError(what, NOT_CONVERTED);
  const bytes = openAead(keys.blobKey, blob, imagePartAad(keys.vaultId, uid, 'rest'), what);
  if (bytes.length !== CHUNK_COUNT * CHUNK_PIXELS)
    throw new Error(`${what}: ${bytes.length} bytes, expected ${CHUNK_COUNT * CHUNK_PIXELS}`);
  return bytes;
}

/** A worker's blocks-layout image, its metadata sealed with its layout, ready to insert. */
export function finishBlockImage(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'blobKey'>,
  sealed: SealedImage,
  contentMac: Uint8Array,
  keysetId: number,
): StoredImage {
  const layout = blockLayout(
    sealed.info,
    { id: sealed.packingId, chunksPerCiphertext: sealed.chunksPerCiphertext },
    keysetId,
  );
  if (layout.blocks!.ckksCount !== sealed.ciphertexts.length)
    throw new Error(
      `image ${sealed.uid}: ${sealed.ciphertexts.length} ciphertexts for ${layout.blocks!.ckksCount} in its layout`,
    );
  return {
    uid: sealed.uid,
    contentMac,
    keysetId,
    packingId: sealed.packingId,
    laneBatchId: null,
    meta: sealImageMeta(keys, sealed.uid, metaOf(sealed.info, layout)),
    original: sealed.original,
    rest: sealed.rest,
    ciphertexts: sealed.ciphertexts,
  };
}

const NOT_CONVERTED =
  'it is missing or in an older format: the upgrade left this item as it was because it ' +
  'failed authentication then';

/** Seals a payload Padmé-padded, so its length says little about what it holds. */
export function sealPadded(key: Uint8Array, payload: Uint8Array, aad: string): Uint8Array {
  return sealAead(key, padPayload(payload), aad);
}

/**
 * Opens a Padmé-padded sealed blob. A missing blob, or one that authenticates but is not
 * padded (an item an upgrade could not convert), is an IntegrityError naming the item.
 */
export function openPadded(
  key: Uint8Array,
  blob: Uint8Array | null,
  aad: string,
  what: string,
): Uint8Array {
  if (!blob) throw new IntegrityError(what, NOT_CONVERTED);
  const bytes = openAead(key, blob, aad, what);
  try {
    return unpadPayload(bytes, what);
  } catch {
    throw new IntegrityError(what, NOT_CONVERTED);
  }
}
