import { describe, expect, it } from 'vitest';
import { errorReason } from './run-cli.ts';
import { loadSeal } from '../engine/sealed/ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../engine/sealed/ckks/ckks-presets.ts';
import { generateCkksKeys } from '../engine/sealed/ckks/ckks-keys.ts';
import { CkksChunkCipher } from '../engine/sealed/layouts/blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../engine/sealed/layouts/blocks/chunk-packing.ts';

describe('errorReason', () => {
  it('names a real SEAL exception by its C++ type and message', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const keys = generateCkksKeys(seal, ckks, []);
    using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
    const ct = new seal.Ciphertext();
    ct.loadFromArray(ckks.context, cipher.encryptVector(new Float64Array(ckks.slotCount)));
    const evaluator = new seal.Evaluator(ckks.context);
    const zero = new seal.Plaintext();
    const encoder = new seal.CKKSEncoder(ckks.context);
    encoder.encode(new Float64Array(ckks.slotCount), 2 ** 28, zero);
    const product = new seal.Ciphertext();
    let thrown: unknown = null;
    try {
      evaluator.multiplyPlain(ct, zero, product); // SEAL refuses the transparent result
    } catch (error) {
      thrown = error;
    } finally {
      for (const o of [ct, evaluator, encoder, zero, product]) o.delete();
    }
    expect(thrown).not.toBeNull();
    expect(String(thrown)).not.toContain('transparent'); // what the CLI used to print
    expect(errorReason(thrown)).toBe('std::logic_error: result ciphertext is transparent');
  });

  it('passes Error messages and strings through', () => {
    expect(errorReason(new RangeError('bad threshold'))).toBe('bad threshold');
    expect(errorReason('plain text')).toBe('plain text');
  });
});
