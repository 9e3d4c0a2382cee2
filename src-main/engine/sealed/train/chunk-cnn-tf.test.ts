// The exported float64 weights must reproduce the tfjs model through the reference
// forwardChunk: this is what proves the NHWC → channel-major permutation of fc1, the
// folded input centring and the folded batch norms.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfWasm, tf } from '../../ml/tf-wasm.ts';
import { createTfChunkCnn, exportChunkCnn, tfForward } from './chunk-cnn-tf.ts';
import type { TfChunkCnn } from './chunk-cnn-tf.ts';
import {
  PAPER_ARCHITECTURE,
  convOutputSize,
  flattenedSize,
  forwardChunk,
} from '../model/chunk-cnn.ts';
import { mulberry32 } from '../../ml/random.ts';
import type { ChunkCnnArchitecture, ChunkCnnWeights } from '../model/chunk-cnn.ts';

const CHUNKS = 4;

function randomPixels(seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: CHUNKS * 784 }, () => Math.round(random() * 255) / 255);
}

/** Gives every bias, norm parameter and running statistic a non-trivial value. */
function perturb(model: TfChunkCnn, seed: number): void {
  const random = mulberry32(seed);
  const norms = [model.convNorm, model.fc1Norm].flatMap((n) =>
    n ? [n.gamma, n.beta, n.mean, n.variance] : [],
  );
  for (const v of [model.convB, model.fc1B, model.fc2B, ...norms]) {
    v.assign(
      tf.tensor(
        Array.from({ length: v.size }, () => 0.3 + random()),
        v.shape,
      ),
    );
  }
}

/** Largest |reference − tf| over every chunk, after centring tf's logits over the classes. */
function mismatch(model: TfChunkCnn, weights: ChunkCnnWeights, pixels: Float32Array) {
  const k = model.architecture.classes;
  const logits = tf.tidy(() =>
    Float32Array.from(
      tfForward(tf, model, tf.tensor4d(pixels, [CHUNKS, 28, 28, 1])).logits.dataSync(),
    ),
  );
  let diff = 0;
  let scale = 0;
  for (let n = 0; n < CHUNKS; n++) {
    const ref = forwardChunk(weights, pixels.subarray(n * 784, (n + 1) * 784)).scores;
    const row = logits.subarray(n * k, (n + 1) * k);
    const mean = row.reduce((a, b) => a + b, 0) / k;
    ref.forEach((v, o) => {
      diff = Math.max(diff, Math.abs(v - (row[o]! - mean)));
      scale = Math.max(scale, Math.abs(v));
    });
  }
  return { diff, scale };
}

describe('exportChunkCnn', () => {
  beforeAll(async () => {
    await initTfWasm();
  });

  const variants: Array<[string, ChunkCnnArchitecture, boolean]> = [
    ['paper 4×7×7', PAPER_ARCHITECTURE, false],
    [
      '16×4×4 at stride 4 (the default)',
      { ...PAPER_ARCHITECTURE, channels: 16, kernel: 4, stride: 4 },
      false,
    ],
    ['9×4×4 with batch norm', { ...PAPER_ARCHITECTURE, channels: 9, kernel: 4 }, true],
    [
      'ReLU baseline 9×4×4 with batch norm',
      { ...PAPER_ARCHITECTURE, channels: 9, kernel: 4, activation: 'relu' },
      true,
    ],
    [
      '3 channels, 5×5, hidden 16, 3 classes',
      { ...PAPER_ARCHITECTURE, channels: 3, kernel: 5, hidden: 16, classes: 3 },
      true,
    ],
  ];

  it.each(variants)('reproduces the tf model through forwardChunk (%s)', (_, arch, batchNorm) => {
    const model = createTfChunkCnn(tf, arch, 7, { batchNorm });
    perturb(model, 8);
    const weights = exportChunkCnn(model);
    expect(weights.architecture).toEqual(arch);
    expect(weights.fc1Weight).toHaveLength(arch.hidden * flattenedSize(arch));
    const { diff, scale } = mismatch(model, weights, randomPixels(9));
    expect(scale).toBeGreaterThan(0.1);
    expect(diff / scale).toBeLessThan(1e-4);
  });

  it('needs the channel-major permutation: an NHWC-ordered fc1 does not match', () => {
    const arch = PAPER_ARCHITECTURE;
    const model = createTfChunkCnn(tf, arch, 3);
    perturb(model, 4);
    const weights = exportChunkCnn(model);
    // Undo the permutation: column (c, p) gets the value meant for NHWC index p·C + c.
    const out = convOutputSize(arch) ** 2;
    const flat = flattenedSize(arch);
    const nhwc = new Float64Array(weights.fc1Weight.length);
    for (let h = 0; h < arch.hidden; h++)
      for (let c = 0; c < arch.channels; c++)
        for (let p = 0; p < out; p++)
          nhwc[h * flat + p * arch.channels + c] = weights.fc1Weight[h * flat + c * out + p]!;
    const { diff, scale } = mismatch(model, { ...weights, fc1Weight: nhwc }, randomPixels(5));
    expect(diff / scale).toBeGreaterThan(1e-2);
  });

  it('centres the scores over the classes without changing their differences', () => {
    const model = createTfChunkCnn(tf, PAPER_ARCHITECTURE, 11);
    perturb(model, 12);
    const weights = exportChunkCnn(model);
    const scores = forwardChunk(weights, randomPixels(13).subarray(0, 784)).scores;
    expect(Math.abs(scores.reduce((a, b) => a + b, 0))).toBeLessThan(1e-9 * 6 + 1e-6);
  });
});
