// A tiny training run through the Arnold + XOR condition: two classes that differ only in
// WHERE the bright pixels are (left vs right half), which the permutation scatters and the
// XOR hides in value. A dense layer on bit planes must still separate them.
import { describe, expect, it } from 'vitest';
import { createObfuscator } from './arnold-xor.ts';
import { disposeNet, runNet } from './obf-net.ts';
import { initTfWasm } from '../ml/tf-wasm.ts';
import { fitObfNet, shiftImage } from './train-obf.ts';
import { toyDataset } from './toy-dataset.testutil.ts';

const SIZE = 12;

describe('obfuscated-tier training', () => {
  it('learns a separable toy set through Arnold + XOR (the net never gets the key)', async () => {
    const tf = await initTfWasm();
    const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 73 + 5) & 255);
    const train = toyDataset(160, 1);
    const test = toyDataset(60, 2);
    const fitted = await fitObfNet(tf, train, {
      arch: 'bit-mlp',
      condition: 'arnold+xor',
      key,
      epochs: 4,
      seed: 3,
      bitPlanes: 4,
      batchSize: 32,
      learningRate: 2e-3,
      shift: 0,
    });
    try {
      const obfuscator = createObfuscator(key, SIZE, 'arnold+xor');
      const obf = obfuscator.obfuscateBatch(test.pixels);
      // The images really are scrambled: the obfuscated left half is no brighter.
      let left = 0;
      let right = 0;
      for (let i = 0; i < test.labels.length; i += 2)
        for (let y = 0; y < SIZE; y++)
          for (let x = 0; x < SIZE; x++) {
            const v = obf[i * SIZE * SIZE + y * SIZE + x]!;
            if (x < SIZE / 2) left += v;
            else right += v;
          }
      // (On the plaintext this contrast is 0.48.)
      expect(Math.abs(left - right) / (left + right)).toBeLessThan(0.2);
      const out = runNet(tf, fitted, obf, test.labels.length);
      const right1 = out.predicted.filter((p, i) => p === test.labels[i]).length;
      expect(right1 / test.labels.length).toBeGreaterThanOrEqual(0.95);
      // Embeddings are unit vectors.
      let norm = 0;
      for (let d = 0; d < 512; d++) norm += out.embeddings[d]! ** 2;
      expect(norm).toBeCloseTo(1, 4);
    } finally {
      disposeNet(fitted);
    }
  });

  it('is deterministic for a seed', async () => {
    const tf = await initTfWasm();
    const key = new Uint8Array(32).fill(7);
    const data = toyDataset(40, 4);
    const run = async () => {
      const fitted = await fitObfNet(tf, data, {
        arch: 'dcnn',
        condition: 'xor',
        key,
        epochs: 1,
        seed: 9,
        bitPlanes: 2,
        batchSize: 16,
        learningRate: 1e-3,
        shift: 1,
      });
      const weights = [...fitted.model.getWeights(), fitted.head].map((w) =>
        Array.from(w.dataSync()),
      );
      disposeNet(fitted);
      return weights;
    };
    expect(await run()).toEqual(await run());
  });

  it('shifts plaintext images with edge pixels repeated', () => {
    const image = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(shiftImage(image, 3, 1, 0))).toEqual([1, 1, 2, 4, 4, 5, 7, 7, 8]);
    expect(Array.from(shiftImage(image, 3, 0, -1))).toEqual([4, 5, 6, 7, 8, 9, 7, 8, 9]);
  });
});
