// Key-holder side of encrypted inference: decrypt a result ciphertext and read the
// class scores out of its slots.
import type { Seal } from './seal-runtime.ts';
import { sealInput } from './seal-runtime.ts';
import type { CkksContext } from './ckks-presets.ts';
import type { PackedCnnPlan } from './packed-cnn-plan.ts';
import { readScores } from './packed-cnn-simulator.ts';

export function decryptSlots(
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

/** Scores of block `block` (0 for an image result, where all blocks were summed). */
export function decryptScores(
  seal: Seal,
  ckks: CkksContext,
  plan: PackedCnnPlan,
  secretKeyBytes: Uint8Array,
  resultBytes: Uint8Array,
  block = 0,
): Float64Array {
  return readScores(plan, decryptSlots(seal, ckks, secretKeyBytes, resultBytes), block);
}

/**
 * A lane batch's per-class slot vectors: each part (a worker's share of the hidden
 * units, one ciphertext per class) decrypted, and the parts added.
 */
export function decryptLaneParts(
  seal: Seal,
  ckks: CkksContext,
  secretKeyBytes: Uint8Array,
  parts: ReadonlyArray<readonly Uint8Array[]>,
): Float64Array[] {
  const [first, ...rest] = parts.map((classes) =>
    classes.map((bytes) => decryptSlots(seal, ckks, secretKeyBytes, bytes)),
  );
  if (!first) throw new RangeError('a lane batch result has no parts');
  for (const part of rest)
    part.forEach((slots, c) => slots.forEach((v, lane) => (first[c]![lane]! += v)));
  return first;
}
