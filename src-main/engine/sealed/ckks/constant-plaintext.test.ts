// Known-answer test for directly written constant plaintexts: they must be the very
// bytes SEAL's own encoder (plus a mod switch) produces, at every level and scale.
import { describe, expect, it } from 'vitest';
import { loadSeal, toBytes } from './seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from './ckks-presets.ts';
import { ConstantPlaintexts } from './constant-plaintext.ts';
import { mulberry32 } from '../../ml/random.ts';
import { freshCiphertext } from '../../../../test/helpers/ckks.ts';

describe('constant plaintexts', () => {
  it('are byte-equal to the encoder’s at every level, for scales and signs, reduced per prime', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    expect(ckks.primes).toHaveLength(DEFAULT_CKKS_PRESET.coeffModulusBits.length);
    using encoder = new seal.CKKSEncoder(ckks.context);
    using evaluator = new seal.Evaluator(ckks.context);
    using constants = new ConstantPlaintexts(seal, ckks);
    using ciphertext = freshCiphertext(seal, ckks);

    const random = mulberry32(7);
    // Beyond ±1 the scaled value exceeds the 28-bit primes, so each residue is reduced.
    const values = [0.3, -0.3, 1, -1, 5.25, -7.9, 1e-6, -123.456, 0.5 / ckks.scale];
    for (let k = 0; k < 12; k++) values.push((random() - 0.5) * 40);
    const none = seal.ComprModeType.none;
    let levels = 0;
    for (;;) {
      for (const scale of [ckks.scale, 2 ** 33]) {
        for (const value of values) {
          using reference = new seal.Plaintext();
          encoder.encode(new Float64Array(ckks.slotCount).fill(value), scale, reference);
          using parmsId = ciphertext.parmsId();
          evaluator.plainModSwitchToInplace(reference, parmsId);
          using ours = constants.encode(value, ciphertext, scale);
          expect(ours.coeffCount()).toBe(reference.coeffCount());
          expect(toBytes(ours.saveToArray(none))).toEqual(toBytes(reference.saveToArray(none)));
        }
      }
      levels++;
      if (ciphertext.coeffModulusSize() === 1) break;
      evaluator.cipherModSwitchToNextInplace(ciphertext);
    }
    // Every data level: all primes but the special one, down to the first prime alone.
    expect(levels).toBe(DEFAULT_CKKS_PRESET.coeffModulusBits.length - 1);
  });

  it('refuses a constant whose scaled value is past exact integers', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    using constants = new ConstantPlaintexts(seal, ckks);
    using ciphertext = freshCiphertext(seal, ckks);
    expect(() => constants.encode(1e9, ciphertext)).toThrow(/constant 1000000000 .* does not fit/);
    expect(() => constants.encode(Number.NaN, ciphertext)).toThrow(/does not fit/);
  });
});
