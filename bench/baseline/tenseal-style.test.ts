import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChunkCnnArchitecture } from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import {
  argmax,
  forwardChunk,
  PAPER_ARCHITECTURE,
  randomChunkCnn,
} from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { mulberry32 } from '../../src-main/engine/ml/random.ts';
import { loadSeal } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';
import { keySwitchesForRotation, sealNafSteps } from './rotation-cost.ts';
import {
  diagonalSlots,
  im2colMatrix,
  im2colVector,
  kernelSlots,
  packMask,
  replicate,
} from './tenseal-plain.ts';
import { TENSEAL_TUTORIAL_PRESET, TensealStyleBaseline } from './tenseal-style.ts';

// 5×5 input, 3×3 kernel, stride 2 → 2×2 windows, 9 taps padded to 16.
const TINY: ChunkCnnArchitecture = {
  inputSize: 5,
  channels: 2,
  kernel: 3,
  stride: 2,
  hidden: 3,
  classes: 2,
};

/** A smooth random pattern in [0, 1], closer to a real image chunk than white noise. */
function smoothChunk(seed: number, size = 28): Float64Array {
  const random = mulberry32(seed);
  const [a, b, c, f, g, h] = Array.from({ length: 6 }, () => random());
  return Float64Array.from({ length: size * size }, (_, k) => {
    const y = Math.floor(k / size);
    const x = k % size;
    const wave = Math.sin((0.1 + f! / 3) * x + 6 * a!) * Math.cos((0.1 + g! / 3) * y + 6 * b!);
    return 0.5 + 0.3 * wave + 0.2 * Math.sin((0.1 + h! / 3) * (x + y) + 6 * c!);
  });
}

/** Plain model of SEAL's rotateVector: slot j takes slot j + steps. */
function rotateLeft(values: Float64Array, steps: number): Float64Array {
  return values.map((_, j) => values[(j + steps) % values.length]!);
}

describe('TenSEAL-style baseline: plain layouts', () => {
  it('im2col: one row per window, taps row-major padded to 16, vertically scanned', () => {
    const chunk = Float64Array.from({ length: 25 }, (_, i) => i);
    const { windows, paddedTaps, values } = im2colMatrix(chunk, TINY);
    expect([windows, paddedTaps]).toEqual([4, 16]);
    const row = (w: number) => Array.from(values.subarray(w * 16, w * 16 + 9));
    expect(row(0)).toEqual([0, 1, 2, 5, 6, 7, 10, 11, 12]);
    expect(row(1)).toEqual([2, 3, 4, 7, 8, 9, 12, 13, 14]); // window (0, 1): two columns right
    expect(row(2)).toEqual([10, 11, 12, 15, 16, 17, 20, 21, 22]); // window (1, 0): two rows down
    expect(row(3)).toEqual([12, 13, 14, 17, 18, 19, 22, 23, 24]);
    expect(Array.from(values.subarray(9, 16))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // Vertical scan: slot = tap·windows + window, so each tap's four windows are adjacent.
    const vector = im2colVector(chunk, TINY);
    expect(Array.from(vector.subarray(0, 12))).toEqual([0, 2, 10, 12, 1, 3, 11, 13, 2, 4, 12, 14]);
    expect(vector.length).toBe(64);
    expect(vector.subarray(36).every((v) => v === 0)).toBe(true); // taps 9…15 are padding
  });

  it('conv2d_im2col: kernel × im2col, then halving rotate-and-sum, is the convolution', () => {
    const weights = randomChunkCnn(TINY, 3);
    const chunk = smoothChunk(4, 5);
    const conv = forwardChunk(weights, chunk).conv;
    for (let c = 0; c < TINY.channels; c++) {
      const kernel = weights.convWeight.subarray(c * 9, c * 9 + 9);
      let slots = im2colVector(chunk, TINY).map((v, i) => v * kernelSlots(kernel, 4, 64)[i]!);
      for (let taps = 8; taps >= 1; taps /= 2) {
        const rotated = rotateLeft(slots, 4 * taps);
        slots = slots.map((v, i) => v + rotated[i]!);
      }
      for (let s = 0; s < 64; s++) {
        // Every slot holds window s mod 4: replicated with period `windows`.
        expect(slots[s]! + weights.convBias[c]!).toBeCloseTo(conv[c * 4 + (s % 4)]!, 12);
      }
    }
  });

  it('mm: Σ_i rotate(x ⊙ diagonal_i, i) is x·M, even when rows do not divide the slots', () => {
    const random = mulberry32(5);
    const rows = 6;
    const cols = 4;
    const matrix = Float64Array.from({ length: rows * cols }, () => random() - 0.5);
    const x = Float64Array.from({ length: rows }, () => random());
    const slotsIn = replicate(x, 32);
    const result = new Float64Array(32);
    for (let i = 0; i < rows; i++) {
      const product = slotsIn.map((v, s) => v * diagonalSlots(matrix, rows, cols, i, 32)[s]!);
      rotateLeft(product, i).forEach((v, s) => (result[s]! += v));
    }
    for (let j = 0; j < cols; j++) {
      const expected = x.reduce((sum, v, r) => sum + v * matrix[r * cols + j]!, 0);
      expect(result[j]).toBeCloseTo(expected, 12);
    }
  });

  it('pack_vectors masks keep each vector’s block of the concatenation', () => {
    expect(Array.from(packMask(1, 3, 2, 12))).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0]);
  });

  it('rotations split into SEAL’s NAF terms, one key switch each', () => {
    expect(sealNafSteps(171)).toEqual([-1, -4, -16, -64, 256]);
    expect(sealNafSteps(-3)).toEqual([1, -4]);
    expect([0, 1, 3, 255, 256, 2048, 171].map((s) => keySwitchesForRotation(s, 4096))).toEqual([
      0, 1, 2, 2, 1, 1, 5,
    ]);
    expect(keySwitchesForRotation(4095, 4096)).toBe(1); // 4096 − 1: the full turn is skipped
  });
});

function expectMatchesReference(
  scores: Float64Array,
  reference: Float64Array,
  maxAbsError: number,
): void {
  expect(scores).toHaveLength(reference.length);
  const worst = Math.max(...scores.map((v, i) => Math.abs(v - reference[i]!)));
  // The contract is 1e-2; measured errors are ~1e-5…1e-4, so 1e-3 still has margin
  // while catching a wrong layout (random-net scores are only ~0.1 in size).
  expect(worst).toBeLessThan(maxAbsError);
  expect(argmax(scores)).toBe(argmax(reference));
}

describe('TenSEAL-style baseline: encrypted chunk CNN', () => {
  const weights = randomChunkCnn(PAPER_ARCHITECTURE, 7);
  const chunk = smoothChunk(11);
  const reference = forwardChunk(weights, chunk).scores;
  let baseline: TensealStyleBaseline;

  beforeAll(async () => {
    baseline = new TensealStyleBaseline(await loadSeal(), weights);
  });
  afterAll(() => baseline?.[Symbol.dispose]());

  it('matches the float64 reference on DEFAULT_CKKS_PRESET (per-channel mm)', () => {
    expect(baseline.packing).toBe('per-channel-mm');
    const result = baseline.classifyChunk(chunk);
    expectMatchesReference(result.scores, reference, 1e-3);
    // conv: 4 channels × log2(64) = 24; fc1: 4 blocks × 63; fc2: 127 (rotation by 0 is free).
    expect(result.rotations).toBe(4 * 6 + 4 * 63 + 127);
    // Power-of-two conv steps cost 1 each; Σ NAF weights of 1…63 is 156 and of 1…127, 355.
    expect(result.keySwitches).toBe(24 + 4 * 156 + 355);
  });

  it('deletes every SEAL object: inference twice does not grow the RSS', () => {
    using encrypted = baseline.encryptChunk(chunk);
    baseline.inferChunk(encrypted)[Symbol.dispose](); // warm-up: pools and the WASM heap
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 2; i++) baseline.inferChunk(encrypted)[Symbol.dispose]();
    // Leaking the per-op plaintexts alone would add ~70 MB per inference.
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(60);
  });

  it('runs TenSEAL’s exact program (pack_vectors) on the tutorial’s depth-6 chain', async () => {
    using tutorial = new TensealStyleBaseline(await loadSeal(), weights, {
      preset: TENSEAL_TUTORIAL_PRESET,
    });
    expect(tutorial.packing).toBe('pack-vectors');
    const result = tutorial.classifyChunk(chunk);
    expectMatchesReference(result.scores, reference, 1e-3);
    expect(result.rotations).toBe(24 + 255 + 127);
    expect(result.keySwitches).toBe(24 + 796 + 355);
  });
});
