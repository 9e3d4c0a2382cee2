// Key-holder side of encrypted inference: decrypt a result ciphertext and read the
// class scores out of its slots.
//
// Every value leaves here rounded to a multiple of DECRYPTED_STEP. A CKKS decryption is
// the plaintext plus the scheme's noise, and the noise is a function of the secret key:
// releasing decryptions at full precision (into the catalogue, an export, a UI) hands out
// exactly what the key-recovery attack on CKKS (Li–Micciancio, IND-CPA-D) needs. Rounding
// to 1e-4 drops the low ~14 bits below the 2^-28 scale those equations are solved from,
// while the measured score error (RMS ~1.4e-3, at most ~7e-3 per image) stays well above
// the step, so argmax and the ≤ 1e-2 fidelity tests are unchanged (rounding adds ≤ 5e-5).
// It is a mitigation, not a proof: a formal IND-CPA-D guarantee needs noise flooding,
// which would cost the scores their precision.
import type { Seal } from '../ckks/seal-runtime.ts';
import { sealInput } from '../ckks/seal-runtime.ts';
import type { CkksContext } from '../ckks/ckks-presets.ts';
import type { PackedCnnPlan } from '../layouts/blocks/packed-cnn-plan.ts';
import { readScores } from '../layouts/blocks/packed-cnn-simulator.ts';

/** The grid every released decryption lies on (in the units of the released value). */
export const DECRYPTED_STEP = 1e-4;

/** Rounds in place to the nearest multiple of `step`; returns `values`. */
export function roundDecrypted<T extends Float64Array>(values: T, step = DECRYPTED_STEP): T {
  // Divide by 1/step's integer (10000), not multiply by 1e-4: n / 10000 is the closest
  // double to the decimal, so a value prints as at most 4 decimals.
  const inverse = Math.round(1 / step);
  for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]! * inverse) / inverse;
  return values;
}

/** Every slot of one result ciphertext, rounded (slot units: scores × the plan's scale). */
export function decryptSlots(
  seal: Seal,
  ckks: CkksContext,
  secretKeyBytes: Uint8Array,
  resultBytes: Uint8Array,
): Float64Array {
  return roundDecrypted(decryptRawSlots(seal, ckks, secretKeyBytes, resultBytes));
}

/**
 * Scores of block `block` (0 for an image result, where all blocks were summed), rounded
 * after the plan's score scale is divided out, so the released scores lie on the grid.
 */
export function decryptScores(
  seal: Seal,
  ckks: CkksContext,
  plan: PackedCnnPlan,
  secretKeyBytes: Uint8Array,
  resultBytes: Uint8Array,
  block = 0,
): Float64Array {
  const slots = decryptRawSlots(seal, ckks, secretKeyBytes, resultBytes);
  return roundDecrypted(readScores(plan, slots, block));
}

/**
 * A lane batch's per-class slot vectors: each part (a worker's share of the hidden
 * units, one ciphertext per class) decrypted, the parts added at full precision, and
 * the sum rounded once. Rounding each part instead would add one rounding error per
 * part and release each part's own noise, which depends on how the batch happened to be
 * split. With `scoreScale` (the plan's), each lane's score (slot / scoreScale) is what
 * lands on the grid, so a model scaled down to fit the budget loses no more precision.
 */
export function decryptLaneParts(
  seal: Seal,
  ckks: CkksContext,
  secretKeyBytes: Uint8Array,
  parts: ReadonlyArray<readonly Uint8Array[]>,
  scoreScale = 1,
): Float64Array[] {
  const [first, ...rest] = parts.map((classes) =>
    classes.map((bytes) => decryptRawSlots(seal, ckks, secretKeyBytes, bytes)),
  );
  if (!first) throw new RangeError('a lane batch result has no parts');
  for (const part of rest)
    part.forEach((slots, c) => slots.forEach((v, lane) => (first[c]![lane]! += v)));
  for (const slots of first) {
    for (let lane = 0; lane < slots.length; lane++) slots[lane]! /= scoreScale;
    roundDecrypted(slots);
    for (let lane = 0; lane < slots.length; lane++) slots[lane]! *= scoreScale;
  }
  return first;
}

/** Full precision: never returned to a caller (see the top of this file). */
function decryptRawSlots(
  seal: Seal,
  ckks: CkksContext,
  secretKeyBytes: Uint8Array,
  resultBytes: Uint8Array,
): Float64Array {
  using secretKey = new seal.SecretKey();
  secretKey.loadFromArray(ckks.context, sealInput(secretKeyBytes));
  using decryptor = new seal.Decryptor(ckks.context, secretKey);
  using encoder = new seal.CKKSEncoder(ckks.context);
  using ciphertext = new seal.Ciphertext();
  ciphertext.loadFromArray(ckks.context, sealInput(resultBytes));
  using plaintext = new seal.Plaintext();
  decryptor.decrypt(ciphertext, plaintext);
  return Float64Array.from(encoder.decodeFloat64(plaintext) as ArrayLike<number>);
}
