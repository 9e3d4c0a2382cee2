// A CKKS ciphertext for tests and benches that need one to operate on (its level and
// parms_id), made with the project's own key generation and chunk cipher.
import type { Ciphertext } from 'node-seal/throws';
import type { Seal } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';
import { sealInput } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';
import type { CkksContext } from '../../src-main/engine/sealed/ckks/ckks-presets.ts';
import { generateCkksKeys } from '../../src-main/engine/sealed/ckks/ckks-keys.ts';
import { CkksChunkCipher } from '../../src-main/engine/sealed/layouts/blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../../src-main/engine/sealed/layouts/blocks/chunk-packing.ts';

/** A fresh top-level ciphertext of `value` in every slot (the caller deletes it). */
export function freshCiphertext(seal: Seal, ckks: CkksContext, value = 0.5): Ciphertext {
  const keys = generateCkksKeys(seal, ckks);
  try {
    using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey, {
      compress: false,
    });
    const bytes = cipher.encryptVector(new Float64Array(ckks.slotCount).fill(value));
    const ciphertext = new seal.Ciphertext();
    ciphertext.loadFromArray(ckks.context, sealInput(bytes));
    return ciphertext;
  } finally {
    keys.secretKey.fill(0);
  }
}
