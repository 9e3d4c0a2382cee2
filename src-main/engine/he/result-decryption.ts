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
