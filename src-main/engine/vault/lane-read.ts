// Key-holder reads of the lanes layout: a batch is authenticated (its lane map and all
// 784 ciphertext MACs) before anything uses it, and an image's chunk rows must agree
// with the authenticated lane map (so lanes cannot be re-pointed at another image).
import type { Catalogue } from './catalogue.ts';
import { loadSeal } from '../he/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../he/ckks-presets.ts';
import { sealInput } from '../he/seal-runtime.ts';
import { CHUNK_PIXELS } from '../../../src-shared/domain/geometry.ts';
import { checkLaneCiphertext, openLaneMap } from './sealed-lane-batch.ts';
import {
  listLaneBatches,
  readLaneBatch,
  readLaneChunks,
  readLaneCiphertexts,
} from './lane-store.ts';
import type { LaneBatchRow, LaneMapEntry } from './lane-store.ts';
import type { ImageRow } from './image-store.ts';
import type { UnlockedVault } from './vault.ts';

/** The batch an image's lanes live in, and its first lane, checked against the lane map. */
export function laneLocation(
  db: Catalogue,
  row: ImageRow,
  laneMap?: readonly LaneMapEntry[],
): { batchId: number; firstLane: number; count: number } {
  const chunks = readLaneChunks(db, row.id);
  const batchId = chunks[0]?.batchId;
  if (batchId === undefined || batchId === null) throw new Error(`image ${row.uid} has no lanes`);
  const first = chunks[0]!.lane!;
  chunks.forEach((c, k) => {
    if (c.batchId !== batchId || c.lane !== first + k)
      throw new Error(
        `image ${row.uid}: feature chunk ${c.position} is not at lane ${first + k} of its batch`,
      );
  });
  if (laneMap) {
    const entry = laneMap.find(([uid]) => uid === row.uid);
    if (!entry || entry[1] !== first || entry[2] !== chunks.length)
      throw new Error(
        `image ${row.uid}: its lanes disagree with the batch's authenticated lane map`,
      );
  }
  return { batchId, firstLane: first, count: chunks.length };
}

/** A batch's 784 ciphertexts in pixel order, every MAC checked, with its lane map. */
export function readVerifiedLaneBatch(
  vault: UnlockedVault,
  batchId: number,
): { batch: LaneBatchRow; laneMap: LaneMapEntry[]; inputs: Buffer[] } {
  const batch = readLaneBatch(vault.db, batchId);
  const laneMap = openLaneMap(vault.sealingKeys, batch);
  const ciphertexts = readLaneCiphertexts(vault.db, batchId);
  if (ciphertexts.length !== CHUNK_PIXELS || ciphertexts.some((c, p) => c.pixel !== p))
    throw new Error(
      `lane batch ${batch.uid} has ${ciphertexts.length} of ${CHUNK_PIXELS} pixel ciphertexts`,
    );
  for (const c of ciphertexts) checkLaneCiphertext(vault.sealingKeys, batch.uid, c);
  return { batch, laneMap, inputs: ciphertexts.map((c) => c.data) };
}

/**
 * An image's feature chunks (values on the 0..1 scale) from its lane batch. Slow by
 * design: the chunks sit in all 784 ciphertexts of the batch, so the key holder
 * authenticates and decrypts all of them for one image (~3–5 s on one core).
 */
export async function decryptLaneFeatureChunks(
  vault: UnlockedVault,
  row: ImageRow,
): Promise<Float64Array[]> {
  const location = laneLocation(vault.db, row);
  const { laneMap, inputs } = readVerifiedLaneBatch(vault, location.batchId);
  laneLocation(vault.db, row, laneMap);
  const seal = await loadSeal();
  const keyset = vault.currentKeyset();
  using ckks = createCkksContext(seal, ckksPresetById(keyset.evaluation.presetId));
  const secretKeyBytes = vault.unwrapCkksSecretKey(row.keysetId);
  using secretKey = new seal.SecretKey();
  try {
    secretKey.loadFromArray(ckks.context, sealInput(secretKeyBytes));
  } finally {
    secretKeyBytes.fill(0);
  }
  using decryptor = new seal.Decryptor(ckks.context, secretKey);
  using encoder = new seal.CKKSEncoder(ckks.context);
  using ciphertext = new seal.Ciphertext();
  using plaintext = new seal.Plaintext();
  const chunks = Array.from({ length: location.count }, () => new Float64Array(CHUNK_PIXELS));
  inputs.forEach((bytes, pixel) => {
    ciphertext.loadFromArray(ckks.context, sealInput(bytes));
    decryptor.decrypt(ciphertext, plaintext);
    const slots = encoder.decodeFloat64(plaintext) as ArrayLike<number>;
    chunks.forEach((chunk, k) => (chunk[pixel] = slots[location.firstLane + k]!));
  });
  return chunks;
}

/** verifyVault's part for lane batches: lane map MAC, 784 ciphertexts, each MAC. */
export function verifyLaneBatches(
  vault: UnlockedVault,
  check: (image: string, item: string, fn: () => void) => void,
): void {
  for (const batch of listLaneBatches(vault.db)) {
    const label = `lane batch ${batch.uid}`;
    check(label, 'lane-map', () => openLaneMap(vault.sealingKeys, batch));
    const ciphertexts = readLaneCiphertexts(vault.db, batch.id);
    check(label, 'pixel ciphertexts', () => {
      if (ciphertexts.length !== CHUNK_PIXELS || ciphertexts.some((c, p) => c.pixel !== p))
        throw new Error(`has ${ciphertexts.length} of ${CHUNK_PIXELS} pixel ciphertexts`);
    });
    for (const c of ciphertexts)
      check(label, `pixel:${c.pixel}`, () => checkLaneCiphertext(vault.sealingKeys, batch.uid, c));
  }
}
