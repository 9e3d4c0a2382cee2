// Sealing for the lanes layout. Import workers seal an image's AES parts exactly as
// the block layout does (sealAesParts) and hand its feature chunks' pixels back to
// the importer in memory only; once a batch of whole images is full, workers encrypt
// ranges of its 784 pixel vectors (packLanes: ciphertext p = pixel p of every lane)
// and MAC each ciphertext with `vault | batch uid | pixel` as associated data. The lane
// map (which lanes are which image's) is sealed with AES-GCM: it is content-derived.
import { timingSafeEqual } from 'node:crypto';
import { CHUNK_PIXELS } from '../../../../src-shared/domain/geometry.ts';
import { IntegrityError } from '../../crypto/index.ts';
import type { ProcessedImage } from '../../image/index.ts';
import type { CkksChunkCipher } from '../../sealed/layouts/blocks/chunk-cipher.ts';
import { laneBatchAad } from '../item-aad.ts';
import { ckksCiphertextMac, openPadded, sealAesParts, sealPadded } from '../sealed-image.ts';
import type { ImageSealingKeys, SealedParts } from '../sealed-image.ts';

/** [image uid, first lane, lane count] — whole images, contiguous lanes. */
export type LaneMapEntry = readonly [uid: string, firstLane: number, count: number];

/** An image sealed for a lane batch: AES parts + its feature chunks (never stored as is). */
export interface LaneSealedImage extends SealedParts {
  /** Feature chunks' raw pixels in position order: the importer encrypts them (CKKS). */
  readonly featureChunks: readonly Uint8Array[];
}

export function sealLaneImage(
  uid: string,
  processed: ProcessedImage,
  original: Uint8Array,
  info: { name: string; label: string | null },
  keys: ImageSealingKeys,
): LaneSealedImage {
  return {
    ...sealAesParts(uid, processed, original, info, keys),
    featureChunks: processed.chunks.filter((c) => c.isFeature).map((c) => c.pixels),
  };
}

/**
 * Encrypts pixel vectors [from, to) of a batch whose lanes hold `lanes` (chunk-major:
 * lane l = bytes [784·l, 784·l + 784)), pixels / 255 as packLanes does.
 */
export function encryptLanePixels(
  cipher: CkksChunkCipher,
  slotCount: number,
  lanes: Uint8Array,
  range: { from: number; to: number },
  batchUid: string,
  keys: ImageSealingKeys,
): Array<{ pixel: number; data: Uint8Array; mac: Uint8Array }> {
  const laneCount = lanes.length / CHUNK_PIXELS;
  if (!Number.isInteger(laneCount) || laneCount > slotCount)
    throw new RangeError(
      `a lane batch holds at most ${slotCount} chunks of ${CHUNK_PIXELS} pixels`,
    );
  const out: Array<{ pixel: number; data: Uint8Array; mac: Uint8Array }> = [];
  const vector = new Float64Array(slotCount);
  for (let pixel = range.from; pixel < range.to; pixel++) {
    for (let lane = 0; lane < laneCount; lane++)
      vector[lane] = lanes[lane * CHUNK_PIXELS + pixel]! / 255;
    const data = cipher.encryptVector(vector);
    out.push({ pixel, data, mac: laneCiphertextMac(keys, batchUid, pixel, data) });
  }
  return out;
}

export function laneCiphertextMac(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'ckksMacKey'>,
  batchUid: string,
  pixel: number,
  data: Uint8Array,
): Uint8Array {
  return ckksCiphertextMac(
    keys.ckksMacKey,
    laneBatchAad(keys.vaultId, batchUid, `pixel:${pixel}`),
    data,
  );
}

/**
 * The lane map is AES-GCM-sealed, not only MAC'd: how many lanes each image has is its
 * feature-chunk count, which is content-derived. Bound to the vault and the batch uid.
 */
export function sealLaneMap(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'blobKey'>,
  batchUid: string,
  laneMap: readonly LaneMapEntry[],
): Uint8Array {
  return sealPadded(
    keys.blobKey,
    Buffer.from(JSON.stringify(laneMap), 'utf8'),
    laneBatchAad(keys.vaultId, batchUid, 'lane-map'),
  );
}

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws an IntegrityError unless the stored ciphertext is the one the key holder MAC'd. */
export function checkLaneCiphertext(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'ckksMacKey'>,
  batchUid: string,
  ciphertext: { pixel: number; data: Uint8Array; mac: Uint8Array },
): void {
  if (
    !sameMac(ciphertext.mac, laneCiphertextMac(keys, batchUid, ciphertext.pixel, ciphertext.data))
  )
    throw new IntegrityError(
      `CKKS ciphertext of pixel ${ciphertext.pixel} in lane batch ${batchUid}`,
    );
}

/** The authenticated lane map of a batch (throws an IntegrityError if it was altered). */
export function openLaneMap(
  keys: Pick<ImageSealingKeys, 'vaultId' | 'blobKey'>,
  batch: { uid: string; laneMap: Uint8Array | null },
): LaneMapEntry[] {
  const what = `lane map of lane batch ${batch.uid}`;
  const bytes = openPadded(
    keys.blobKey,
    batch.laneMap,
    laneBatchAad(keys.vaultId, batch.uid, 'lane-map'),
    what,
  );
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as LaneMapEntry[];
}
