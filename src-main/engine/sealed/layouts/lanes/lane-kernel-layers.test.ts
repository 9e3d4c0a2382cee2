// The lanes engine's two paths for conv and fc1, the RNS kernel and SEAL term by term,
// give byte-identical result ciphertexts: for a whole batch and a hidden range, with a
// dead unit, taps below the encoding's resolution and units that skip a channel.
import { describe, expect, it } from 'vitest';
import { loadSeal } from '../../ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../../ckks/ckks-presets.ts';
import { generateCkksKeys } from '../../ckks/ckks-keys.ts';
import type { LaneLinearPath } from './lane-cnn-engine.ts';
import { LaneCnnEngine } from './lane-cnn-engine.ts';
import { randomChunkCnn } from '../../model/chunk-cnn.ts';
import { mulberry32 } from '../../../ml/random.ts';
import { freshCiphertext } from '../../../../../test/helpers/ckks.ts';
import { randomLike } from '../../../../../test/helpers/random-ciphertext.ts';

describe('lane engine on the RNS kernel', () => {
  it('gives the SEAL path’s result bytes, whole and by hidden range', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    // Conv 4×4 stride 7 (4×4 positions, pixels between patches unread: a short test),
    // 2 channels, 4 hidden units, 2 classes.
    const arch = { inputSize: 28, channels: 2, kernel: 4, stride: 7, hidden: 4, classes: 2 };
    const flat = 2 * 16;
    const weights = randomChunkCnn(arch, 9);
    weights.convWeight[3] = 0;
    weights.convWeight[16 + 5] = 1e-12; // taps that encode to zero: SEAL's path skips them
    weights.fc1Weight.fill(1e-12, 0, flat); // unit 0 is dead: (bias)² in every lane
    // Units 2 and 3 read channel 0 only (as an ensemble's block-diagonal fc1), and unit 1
    // channel 1 only: two independent groups of units.
    weights.fc1Weight.fill(0, flat, flat + 16);
    weights.fc1Weight.fill(0, 2 * flat + 16, 3 * flat);
    weights.fc1Weight.fill(0, 3 * flat + 16, 4 * flat);
    const keys = generateCkksKeys(seal, ckks);
    using like = freshCiphertext(seal, ckks);
    const random = mulberry32(3);
    const distinct = Array.from({ length: 16 }, () => randomLike(seal, ckks.primes, like, random));
    const inputs = Array.from({ length: 784 }, (_, p) => distinct[(p * 7) % 16]!);
    const engine = (linear: LaneLinearPath) =>
      new LaneCnnEngine(
        seal,
        ckks,
        weights,
        1,
        { relinKeys: keys.evaluation.relinKeys, galoisKeys: null },
        { linear },
      );
    using kernel = engine('kernel');
    using reference = engine('seal');
    // Whole; and units 1 and 2: one of each group, so each reads one channel.
    for (const hidden of [undefined, { from: 1, to: 3 }]) {
      const got = kernel.inferBatch(inputs, { sumImages: false, hidden });
      const want = reference.inferBatch(inputs, { sumImages: false, hidden });
      expect(got).toHaveLength(arch.classes);
      got.forEach((bytes, c) => expect(Buffer.compare(bytes, want[c]!)).toBe(0));
    }
    expect(kernel.ms.kernel).toBeGreaterThan(0);
    expect(kernel.ms.multiplyPlain).toBeGreaterThan(0); // fc2 stays on SEAL
    expect(reference.ms.kernel).toBe(0);
  });
});
