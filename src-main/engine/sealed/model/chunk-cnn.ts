// The sealed tier's HE-friendly chunk CNN, in plain float64: the oracle every
// encrypted layout is tested against. One 28×28 chunk (pixels / 255, in [0, 1]) →
// conv k×k, C channels, stride s, no padding → x² → dense → x² → dense → scores.
// The architecture is a parameter so a wider conv or another class count needs no
// new HE code. Flatten order after the conv is channel-major [c][i][j] (as PyTorch).
// The activation is x² (the only one CKKS evaluates: a multiplication); `relu` exists
// only for the plaintext baseline the paper compares against ("original" model),
// and the HE engine refuses it (he-safety.ts).

import { mulberry32 } from '../../ml/random.ts';
export type Activation = 'square' | 'relu';

export interface ChunkCnnArchitecture {
  readonly inputSize: number; // 28
  readonly channels: number; // 4
  readonly kernel: number; // 7
  readonly stride: number; // 3
  readonly hidden: number; // 128
  readonly classes: number; // 6
  /** Omitted = 'square' (HE-friendly). */
  readonly activation?: Activation;
  /**
   * Omitted = 1. M > 1: an ensemble of M nets merged into this one (channels and
   * hidden are M × a member's, fc1 block-diagonal; see chunk-cnn-ensemble.ts).
   */
  readonly members?: number;
}

export const PAPER_ARCHITECTURE: ChunkCnnArchitecture = Object.freeze({
  inputSize: 28,
  channels: 4,
  kernel: 7,
  stride: 3,
  hidden: 128,
  classes: 6,
});

export interface ChunkCnnWeights {
  readonly architecture: ChunkCnnArchitecture;
  /** [channel][dy][dx] */
  readonly convWeight: Float64Array;
  readonly convBias: Float64Array;
  /** [hidden][flattened conv output] row-major */
  readonly fc1Weight: Float64Array;
  readonly fc1Bias: Float64Array;
  /** [classes][hidden] row-major */
  readonly fc2Weight: Float64Array;
  readonly fc2Bias: Float64Array;
}

export function convOutputSize(arch: ChunkCnnArchitecture): number {
  return Math.floor((arch.inputSize - arch.kernel) / arch.stride) + 1;
}

export function flattenedSize(arch: ChunkCnnArchitecture): number {
  const out = convOutputSize(arch);
  return arch.channels * out * out;
}

export interface ChunkCnnTrace {
  readonly conv: Float64Array;
  readonly square1: Float64Array;
  readonly fc1: Float64Array;
  readonly square2: Float64Array;
  readonly scores: Float64Array;
}

/** Forward pass of one chunk (values already on the network's scale). */
export function forwardChunk(weights: ChunkCnnWeights, chunk: ArrayLike<number>): ChunkCnnTrace {
  const arch = weights.architecture;
  const n = arch.inputSize;
  if (chunk.length !== n * n)
    throw new RangeError(`chunk has ${chunk.length} values, expected ${n * n}`);
  const out = convOutputSize(arch);
  const k = arch.kernel;
  const conv = new Float64Array(flattenedSize(arch));
  for (let c = 0; c < arch.channels; c++) {
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < out; j++) {
        let sum = weights.convBias[c]!;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            sum +=
              weights.convWeight[(c * k + dy) * k + dx]! *
              chunk[(i * arch.stride + dy) * n + j * arch.stride + dx]!;
          }
        }
        conv[(c * out + i) * out + j] = sum;
      }
    }
  }
  const act = arch.activation === 'relu' ? relu : square;
  const square1 = conv.map(act);
  const fc1 = dense(weights.fc1Weight, weights.fc1Bias, square1, arch.hidden);
  const square2 = fc1.map(act);
  const scores = dense(weights.fc2Weight, weights.fc2Bias, square2, arch.classes);
  return { conv, square1, fc1, square2, scores };
}

const square = (v: number): number => v * v;
const relu = (v: number): number => (v > 0 ? v : 0);

function dense(
  weight: Float64Array,
  bias: Float64Array,
  input: Float64Array,
  outputs: number,
): Float64Array {
  const inputs = input.length;
  const result = new Float64Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let sum = bias[o]!;
    for (let i = 0; i < inputs; i++) sum += weight[o * inputs + i]! * input[i]!;
    result[o] = sum;
  }
  return result;
}

/**
 * Image-level scores: the sum of the chunk scores of the image's feature chunks.
 * A sum (not a mean) keeps the aggregation a plain ciphertext addition; the argmax
 * is the same as for the mean since every class is summed over the same chunks.
 */
export function aggregateImage(chunkScores: readonly Float64Array[]): Float64Array {
  const classes = chunkScores[0]?.length ?? 0;
  const total = new Float64Array(classes);
  for (const scores of chunkScores) for (let c = 0; c < classes; c++) total[c]! += scores[c]!;
  return total;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Random weights scaled (Glorot-like, 1/fan-in) so activations of [0, 1] inputs stay
 * O(1) through both squares: a realistic stand-in for a trained net in fidelity tests.
 */
export function randomChunkCnn(
  arch: ChunkCnnArchitecture = PAPER_ARCHITECTURE,
  seed = 1,
): ChunkCnnWeights {
  const random = mulberry32(seed);
  const uniform = (count: number, scale: number) =>
    Float64Array.from({ length: count }, () => (random() * 2 - 1) * scale);
  const taps = arch.kernel * arch.kernel;
  const flat = flattenedSize(arch);
  return {
    architecture: arch,
    convWeight: uniform(arch.channels * taps, 2 / taps),
    convBias: uniform(arch.channels, 0.1),
    fc1Weight: uniform(arch.hidden * flat, 1 / flat),
    fc1Bias: uniform(arch.hidden, 0.1),
    fc2Weight: uniform(arch.classes * arch.hidden, 2 / arch.hidden),
    fc2Bias: uniform(arch.classes, 0.1),
  };
}
