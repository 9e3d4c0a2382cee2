// Compound encryption of one processed image (the paper's block group): feature
// chunks go to CKKS, every other chunk, the metadata and the original file go to
// AES-256-GCM. This runs on import workers; nothing here touches the catalogue.
import { createHmac } from 'node:crypto';
import { sealAead } from '../crypto/index.ts';
import type { ProcessedImage } from '../image/index.ts';
import type { CkksChunkCipher } from '../he/chunk-cipher.ts';
import { imagePartAad } from './item-aad.ts';

/** Keys an import worker holds: AES blob key, CKKS MAC key (never the master key). */
export interface ImageSealingKeys {
  readonly vaultId: string;
  readonly blobKey: Uint8Array;
  readonly ckksMacKey: Uint8Array;
}

/** Decrypted per-image metadata (stored as an AES-GCM blob). */
export interface ImageMeta {
  readonly name: string;
  readonly label: string | null;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly byteLength: number;
  readonly scores: readonly number[];
}

export interface SealedChunk {
  readonly position: number;
  readonly signedIndex: number;
  readonly aesBlob: Uint8Array | null;
  readonly ckksOrdinal: number | null;
  readonly ckksBlock: number | null;
}

export interface SealedImage {
  readonly uid: string;
  readonly threshold: number;
  readonly lowGradient: boolean;
  readonly signedIndices: readonly number[];
  readonly packingId: string;
  readonly meta: Uint8Array;
  readonly original: Uint8Array;
  readonly chunks: readonly SealedChunk[];
  readonly ciphertexts: ReadonlyArray<{ ordinal: number; data: Uint8Array; mac: Uint8Array }>;
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

/** The AES-GCM parts of an image (both layouts): non-feature chunks, metadata, original. */
export interface SealedAesParts {
  readonly meta: Uint8Array;
  readonly original: Uint8Array;
  /** position → AES blob of a non-feature chunk. */
  readonly chunkBlobs: ReadonlyMap<number, Uint8Array>;
}

export function sealAesParts(
  uid: string,
  processed: ProcessedImage,
  original: Uint8Array,
  info: { name: string; label: string | null },
  keys: ImageSealingKeys,
): SealedAesParts {
  const aad = (part: Parameters<typeof imagePartAad>[2]) => imagePartAad(keys.vaultId, uid, part);
  const chunkBlobs = new Map<number, Uint8Array>();
  for (const chunk of processed.chunks) {
    if (!chunk.isFeature)
      chunkBlobs.set(
        chunk.position,
        sealAead(keys.blobKey, chunk.pixels, aad(`chunk:${chunk.position}`)),
      );
  }
  const meta: ImageMeta = {
    name: info.name,
    label: info.label,
    format: processed.format,
    width: processed.width,
    height: processed.height,
    byteLength: original.byteLength,
    scores: processed.chunks.map((chunk) => Math.round(chunk.score * 1000) / 1000),
  };
  return {
    meta: sealAead(keys.blobKey, Buffer.from(JSON.stringify(meta), 'utf8'), aad('meta')),
    original: sealAead(keys.blobKey, original, aad('original')),
    chunkBlobs,
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
  const aad = (part: Parameters<typeof imagePartAad>[2]) => imagePartAad(keys.vaultId, uid, part);
  const aes = sealAesParts(uid, processed, original, info, keys);
  const featureChunks = processed.chunks.filter((chunk) => chunk.isFeature);
  const perCiphertext = cipher.packing.chunksPerCiphertext;
  const featureSlot = new Map(featureChunks.map((chunk, i) => [chunk.position, i] as const));
  const chunks: SealedChunk[] = processed.chunks.map((chunk) => {
    const slot = featureSlot.get(chunk.position);
    if (slot !== undefined) {
      return {
        position: chunk.position,
        signedIndex: chunk.signedIndex,
        aesBlob: null,
        ckksOrdinal: Math.floor(slot / perCiphertext),
        ckksBlock: slot % perCiphertext,
      };
    }
    return {
      position: chunk.position,
      signedIndex: chunk.signedIndex,
      aesBlob: aes.chunkBlobs.get(chunk.position)!,
      ckksOrdinal: null,
      ckksBlock: null,
    };
  });
  const ciphertexts = cipher
    .encryptChunks(featureChunks.map((chunk) => chunk.pixels))
    .map((data, ordinal) => ({
      ordinal,
      data,
      mac: ckksCiphertextMac(keys.ckksMacKey, aad(`ckks:${ordinal}`), data),
    }));
  return {
    uid,
    threshold: processed.threshold,
    lowGradient: processed.lowGradient,
    signedIndices: processed.chunks.map((chunk) => chunk.signedIndex),
    packingId: cipher.packing.id,
    meta: aes.meta,
    original: aes.original,
    chunks,
    ciphertexts,
  };
}
