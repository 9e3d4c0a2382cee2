// Key-holder reads of the lanes layout: a batch is authenticated (its sealed lane map
// and all 784 ciphertext MACs) before anything uses it, and an image's lanes are where
// BOTH its own sealed layout and the batch's sealed lane map say they are (so lanes
// cannot be re-pointed at another image, and a batch row cannot be swapped in).
import { loadSeal } from '../../sealed/ckks/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../../sealed/ckks/ckks-presets.ts';
import { sealInput } from '../../sealed/ckks/seal-runtime.ts';
import { CHUNK_PIXELS } from '../../../../src-shared/domain/geometry.ts';
import { IntegrityError } from '../../crypto/index.ts';
import { checkLaneCiphertext, openLaneMap } from './sealed-lane-batch.ts';
import type { LaneMapEntry } from './sealed-lane-batch.ts';
import type { ImageRow, LaneBatchRow } from '../catalogue/index.ts';
import type { ImageLayout } from '../image-layout.ts';
import type { UnlockedVault } from '../vault.ts';

export interface LaneLocation {
  readonly batchId: number;
  readonly firstLane: number;
  readonly count: number;
}

/**
 * Where an image's lanes are: its row's batch, which must be the batch its sealed layout
 * names; with the batch's opened lane map, the map must list the image at the same lanes.
 */
export function laneLocation(
  vault: UnlockedVault,
  row: ImageRow,
  layout: ImageLayout,
  laneMap?: readonly LaneMapEntry[],
): LaneLocation {
  const lanes = layout.lanes;
  if (!lanes || row.laneBatchId === null) throw new Error(`image ${row.uid} has no lanes`);
  const batch = laneBatchById(vault, row.laneBatchId);
  if (batch.uid !== lanes.batchUid)
    throw new IntegrityError(
      `lanes of image ${row.uid}`,
      `its row points at lane batch ${batch.uid}, its sealed layout at ${lanes.batchUid}`,
    );
  if (laneMap) {
    const entries = laneMap.filter(([uid]) => uid === row.uid);
    const entry = entries[0];
    if (entries.length !== 1 || entry![1] !== lanes.firstLane || entry![2] !== lanes.count)
      throw new IntegrityError(
        `lanes of image ${row.uid}`,
        `its sealed layout disagrees with lane batch ${batch.uid}'s lane map`,
      );
  }
  return { batchId: batch.id, firstLane: lanes.firstLane, count: lanes.count };
}

/** A lane batch's row; throws when the catalogue has no batch of that id. */
export function laneBatchById(vault: UnlockedVault, batchId: number): LaneBatchRow {
  const batch = vault.catalogue.read.laneBatches.byId(batchId);
  if (!batch) throw new Error(`lane batch ${batchId} is missing`);
  return batch;
}

/** A batch's 784 ciphertexts in pixel order, every MAC checked, with its lane map. */
export function readVerifiedLaneBatch(
  vault: UnlockedVault,
  batchId: number,
): { batch: LaneBatchRow; laneMap: LaneMapEntry[]; inputs: Buffer[] } {
  const batch = laneBatchById(vault, batchId);
  const laneMap = openLaneMap(vault.sealingKeys, batch);
  const ciphertexts = vault.catalogue.read.laneBatches.ciphertexts(batchId);
  checkPixelSet(batch.uid, ciphertexts);
  for (const c of ciphertexts) checkLaneCiphertext(vault.sealingKeys, batch.uid, c);
  return { batch, laneMap, inputs: ciphertexts.map((c) => c.data) };
}

function checkPixelSet(batchUid: string, ciphertexts: ReadonlyArray<{ pixel: number }>): void {
  if (ciphertexts.length !== CHUNK_PIXELS || ciphertexts.some((c, p) => c.pixel !== p))
    throw new IntegrityError(
      `lane batch ${batchUid}`,
      `has ${ciphertexts.length} of ${CHUNK_PIXELS} pixel ciphertexts`,
    );
}

/**
 * An image's feature chunks (values on the 0..1 scale) from its lane batch. Slow by
 * design: the chunks sit in all 784 ciphertexts of the batch, so the key holder
 * authenticates and decrypts all of them for one image (~3–5 s on one core).
 */
export async function decryptLaneFeatureChunks(
  vault: UnlockedVault,
  row: ImageRow,
  layout: ImageLayout,
): Promise<Float64Array[]> {
  const location = laneLocation(vault, row, layout);
  const { laneMap, inputs } = readVerifiedLaneBatch(vault, location.batchId);
  laneLocation(vault, row, layout, laneMap);
  const seal = await loadSeal();
  const keyset = vault.keysetById(row.keysetId);
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

/**
 * verifyVault's part for lane batches: the sealed lane map (no two images on one lane,
 * every lane inside the batch), the 784 ciphertexts, each MAC.
 */
export function verifyLaneBatches(
  vault: UnlockedVault,
  check: (image: string, item: string, fn: () => void) => void,
): void {
  for (const batch of vault.catalogue.read.laneBatches.list()) {
    const label = `lane batch ${batch.uid}`;
    check(label, 'lane-map', () => checkLaneMap(batch, openLaneMap(vault.sealingKeys, batch)));
    const ciphertexts = vault.catalogue.read.laneBatches.ciphertexts(batch.id);
    check(label, 'pixel ciphertexts', () => checkPixelSet(batch.uid, ciphertexts));
    for (const c of ciphertexts)
      check(label, `pixel:${c.pixel}`, () => checkLaneCiphertext(vault.sealingKeys, batch.uid, c));
  }
}

function checkLaneMap(batch: LaneBatchRow, laneMap: readonly LaneMapEntry[]): void {
  let next = 0;
  for (const [uid, first, count] of laneMap) {
    if (first !== next || count < 1)
      throw new Error(`lane map of ${batch.uid}: image ${uid} does not start at lane ${next}`);
    next += count;
  }
  if (next !== batch.lanesUsed)
    throw new Error(
      `lane map of ${batch.uid} covers ${next} lanes, the batch says ${batch.lanesUsed}`,
    );
}
