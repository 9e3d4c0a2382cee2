// The throughput layout on a small architecture (so the test runs in seconds): every
// lane's decrypted scores match the float64 network, and lane sums give image sums.
import { describe, expect, it } from 'vitest';
import { referenceChunkScores } from '../../train/evaluate-chunk-cnn.ts';
import { loadSeal } from '../../ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../../ckks/ckks-presets.ts';
import { generateCkksKeys } from '../../ckks/ckks-keys.ts';
import { LaneCnnEngine, laneSumSteps, splitHidden } from './lane-cnn-engine.ts';
import { packLanes, sumLaneScores } from './lane-packing.ts';
import { decryptLaneParts, decryptSlots } from '../../inference/result-decryption.ts';
import { aggregateImage, randomChunkCnn } from '../../model/chunk-cnn.ts';
import { mulberry32 } from '../../../ml/random.ts';
import { CkksChunkCipher } from '../blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../blocks/chunk-packing.ts';

describe('lane (CryptoNets-style) engine', () => {
  it('matches the float64 network lane by lane and sums an image’s lanes, dead units included', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    // 28×28 input as stored, but a narrow net: 1 channel, kernel 7, stride 7 → 4×4, hidden 4, 3 classes.
    const arch = { inputSize: 28, channels: 1, kernel: 7, stride: 7, hidden: 4, classes: 3 };
    const weights = randomChunkCnn(arch, 5);
    // Weight decay leaves dead hidden units (every weight far below CKKS's resolution) and
    // stray tiny weights; encoded, they would be zero plaintexts, which SEAL refuses.
    weights.fc1Weight.fill(1e-12, 2 * 16, 3 * 16); // hidden unit 2: (bias)² in every lane
    weights.fc1Bias[2] = 0.7;
    weights.fc2Weight[1] = 1e-13; // class 0 ← hidden unit 1
    const keys = generateCkksKeys(seal, ckks, laneSumSteps());
    const random = mulberry32(2);
    const chunks = Array.from({ length: 40 }, () =>
      Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
    );
    const vectors = packLanes(chunks, ckks.slotCount);
    expect(vectors).toHaveLength(784);
    expect(vectors[5]![7]).toBeCloseTo(chunks[7]![5]! / 255, 12);
    // Encrypt the pixel vectors (the key holder's side), as the vault would store them.
    using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
    const inputs = vectors.map((v) => cipher.encryptVector(v));
    using engine = new LaneCnnEngine(seal, ckks, weights, 1, {
      relinKeys: keys.evaluation.relinKeys,
      galoisKeys: keys.evaluation.galoisKeys!,
    });
    const results = engine.inferBatch(inputs, { sumImages: false });
    const slots = results.map((bytes) => decryptSlots(seal, ckks, keys.secretKey, bytes));
    const expected = referenceChunkScores(weights, chunks);
    chunks.forEach((_, lane) => {
      const got = sumLaneScores(slots, lane, 1, weights.fc2Bias, 1);
      got.forEach((v, c) => expect(Math.abs(v - expected[lane]![c]!)).toBeLessThan(1e-3));
    });
    // Split by hidden units (as two workers run one batch): the parts add up to the whole,
    // the dead unit's constant included once; a range outside the net is refused.
    const ranges = splitHidden(arch.hidden, 2);
    expect(ranges).toEqual([
      { from: 0, to: 2 },
      { from: 2, to: 4 },
    ]);
    const parts = ranges.map((hidden) => engine.inferBatch(inputs, { sumImages: false, hidden }));
    const summed = decryptLaneParts(seal, ckks, keys.secretKey, parts);
    chunks.forEach((_, lane) => {
      const got = sumLaneScores(summed, lane, 1, weights.fc2Bias, 1);
      got.forEach((v, c) => expect(Math.abs(v - expected[lane]![c]!)).toBeLessThan(1e-3));
    });
    expect(() =>
      engine.inferBatch(inputs, { sumImages: false, hidden: { from: 2, to: 5 } }),
    ).toThrow(/hidden range \[2, 5\) is not within 0\.\.4/);
    const image = sumLaneScores(slots, 16, 11, weights.fc2Bias, 1);
    const want = aggregateImage(expected.slice(16, 27));
    image.forEach((v, c) => expect(Math.abs(v - want[c]!)).toBeLessThan(1e-2));
  });
});
