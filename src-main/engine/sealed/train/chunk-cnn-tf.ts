// The HE-friendly chunk CNN as tfjs variables (training) and its export to the float64
// reference (chunk-cnn.ts). Three things differ between them and are undone on export
// (and the scores are centred over the classes, see below):
// - tfjs is NHWC, so the conv output flattens as [i][j][c]; the reference (and the
//   encrypted layout) flattens channel-major [c][i][j] (PyTorch order): fc1's columns
//   are permuted.
// - training sees centred pixels 2·(p/255) − 1 (better conditioned than [0, 1]); the
//   engine feeds p/255, so the centring is folded into the conv: w' = 2w, b' = b − Σw.
// - optional batch normalisation after the conv and after fc1 (before each square) is,
//   with its running statistics, an affine map per channel/unit: folded into the
//   preceding layer, so the exported net is exactly conv → x² → fc1 → x² → fc2.
import type * as Tf from '@tensorflow/tfjs';
import { convOutputSize, flattenedSize } from '../model/chunk-cnn.ts';
import { mulberry32 } from '../../ml/random.ts';
import type { ChunkCnnArchitecture, ChunkCnnWeights } from '../model/chunk-cnn.ts';

const BN_EPSILON = 1e-3;
const BN_MOMENTUM = 0.9;

export interface TfBatchNorm {
  readonly gamma: Tf.Variable;
  readonly beta: Tf.Variable;
  /** Running statistics (not trained by the optimizer). */
  readonly mean: Tf.Variable;
  readonly variance: Tf.Variable;
}

export interface TfChunkCnn {
  readonly architecture: ChunkCnnArchitecture;
  /** [k, k, 1, C] */
  readonly convW: Tf.Variable;
  readonly convB: Tf.Variable;
  /** [out·out·C (NHWC order), hidden] */
  readonly fc1W: Tf.Variable;
  readonly fc1B: Tf.Variable;
  /** [hidden, classes] */
  readonly fc2W: Tf.Variable;
  readonly fc2B: Tf.Variable;
  readonly convNorm: TfBatchNorm | null;
  readonly fc1Norm: TfBatchNorm | null;
}

/** The variables the optimizer trains. */
export function tfVariables(model: TfChunkCnn): Tf.Variable[] {
  const norms = [model.convNorm, model.fc1Norm].flatMap((n) => (n ? [n.gamma, n.beta] : []));
  return [model.convW, model.convB, model.fc1W, model.fc1B, model.fc2W, model.fc2B, ...norms];
}

/** Every variable, running statistics included, in a fixed order. */
export function allVariables(model: TfChunkCnn): Tf.Variable[] {
  const stats = [model.convNorm, model.fc1Norm].flatMap((n) => (n ? [n.mean, n.variance] : []));
  return [...tfVariables(model), ...stats];
}

/** Approximate standard normal from the seeded PRNG (sum of 4 uniforms). */
function gaussian(random: () => number): number {
  return (random() + random() + random() + random() - 2) * Math.sqrt(3);
}

/**
 * Seeded initialisation scaled so every layer's output has about unit variance for
 * centred inputs (each square of a unit-variance value has E[x⁴] ≈ 3).
 */
export function createTfChunkCnn(
  tf: typeof Tf,
  arch: ChunkCnnArchitecture,
  seed: number,
  options: { batchNorm?: boolean } = {},
): TfChunkCnn {
  const random = mulberry32(seed);
  const normal = (shape: number[], std: number) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, () => gaussian(random) * std);
    return tf.variable(tf.tensor(values, shape));
  };
  const filled = (n: number, value: number, trainable = true) =>
    tf.variable(tf.fill([n], value), trainable);
  const norm = (n: number): TfBatchNorm | null =>
    options.batchNorm
      ? {
          gamma: filled(n, 1),
          beta: filled(n, 0),
          mean: filled(n, 0, false),
          variance: filled(n, 1, false),
        }
      : null;
  const taps = arch.kernel * arch.kernel;
  const flat = flattenedSize(arch);
  return {
    architecture: arch,
    convW: normal([arch.kernel, arch.kernel, 1, arch.channels], Math.sqrt(3 / taps)),
    convB: filled(arch.channels, 0),
    fc1W: normal([flat, arch.hidden], Math.sqrt(1 / (3 * flat))),
    fc1B: filled(arch.hidden, 0),
    fc2W: normal([arch.hidden, arch.classes], Math.sqrt(1 / (3 * arch.hidden))),
    fc2B: filled(arch.classes, 0),
    convNorm: norm(arch.channels),
    fc1Norm: norm(arch.hidden),
  };
}

export interface TfForward {
  readonly logits: Tf.Tensor2D;
  /** Batch statistics (training mode with batch norm): feed them to updateRunningStats. */
  readonly batchStats: Array<{ norm: TfBatchNorm; mean: Tf.Tensor; variance: Tf.Tensor }>;
}

function normalise(
  tf: typeof Tf,
  x: Tf.Tensor,
  norm: TfBatchNorm | null,
  axes: number[],
  training: boolean,
  stats: TfForward['batchStats'],
): Tf.Tensor {
  if (!norm) return x;
  let mean: Tf.Tensor = norm.mean;
  let variance: Tf.Tensor = norm.variance;
  if (training) {
    ({ mean, variance } = tf.moments(x, axes));
    // kept: tf.variableGrads disposes the forward pass's intermediates
    stats.push({ norm, mean: tf.keep(mean), variance: tf.keep(variance) });
  }
  return x.sub(mean).div(variance.add(BN_EPSILON).sqrt()).mul(norm.gamma).add(norm.beta);
}

/**
 * Forward pass; `pixels` is [batch, n, n, 1] with values p/255 in [0, 1]. Training mode
 * normalises with the batch's statistics, inference with the running ones.
 */
export function tfForward(
  tf: typeof Tf,
  model: TfChunkCnn,
  pixels: Tf.Tensor4D,
  training = false,
  dropout: { readonly rate: number; readonly seed: number } | null = null,
): TfForward {
  const arch = model.architecture;
  const stats: TfForward['batchStats'] = [];
  const centred = pixels.mul(2).sub(1) as Tf.Tensor4D;
  const conv = tf
    .conv2d(centred, model.convW as Tf.Tensor4D, arch.stride, 'valid')
    .add(model.convB);
  const convN = normalise(tf, conv, model.convNorm, [0, 1, 2], training, stats);
  const act = (x: Tf.Tensor): Tf.Tensor => (arch.activation === 'relu' ? tf.relu(x) : x.square());
  let flat = act(convN).reshape([-1, flattenedSize(arch)]) as Tf.Tensor2D;
  // Dropout on fc1's inputs (training only; inverted, so inference needs no change).
  if (training && dropout && dropout.rate > 0)
    flat = tf.dropout(flat, dropout.rate, undefined, dropout.seed) as Tf.Tensor2D;
  const fc1 = flat.matMul(model.fc1W as Tf.Tensor2D).add(model.fc1B);
  const fc1N = normalise(tf, fc1, model.fc1Norm, [0], training, stats) as Tf.Tensor2D;
  const logits = (act(fc1N) as Tf.Tensor2D)
    .matMul(model.fc2W as Tf.Tensor2D)
    .add(model.fc2B) as Tf.Tensor2D;
  return { logits, batchStats: stats };
}

/**
 * Moves the running statistics towards a training batch's (call after the gradient
 * step) and disposes the batch statistics.
 */
export function updateRunningStats(tf: typeof Tf, stats: TfForward['batchStats']): void {
  tf.tidy(() => {
    for (const { norm, mean, variance } of stats) {
      norm.mean.assign(norm.mean.mul(BN_MOMENTUM).add(mean.mul(1 - BN_MOMENTUM)));
      norm.variance.assign(norm.variance.mul(BN_MOMENTUM).add(variance.mul(1 - BN_MOMENTUM)));
    }
  });
  for (const { mean, variance } of stats) tf.dispose([mean, variance]);
}

/** Per-unit affine (scale, shift) a batch norm applies with its running statistics. */
function foldedNorm(norm: TfBatchNorm | null, n: number): { scale: number[]; shift: number[] } {
  if (!norm) return { scale: new Array<number>(n).fill(1), shift: new Array<number>(n).fill(0) };
  const [gamma, beta, mean, variance] = [norm.gamma, norm.beta, norm.mean, norm.variance].map((v) =>
    v.dataSync(),
  ) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const scale = Array.from(gamma, (g, i) => g / Math.sqrt(variance[i]! + BN_EPSILON));
  return { scale, shift: scale.map((s, i) => beta[i]! - mean[i]! * s) };
}

/** Float64 weights in the reference's layout (channel-major flatten, centring and norms folded in). */
export function exportChunkCnn(model: TfChunkCnn): ChunkCnnWeights {
  const arch = model.architecture;
  const read = (v: Tf.Variable) => Float64Array.from(v.dataSync());
  const [convW, convB, fc1W, fc1B, fc2W] = [
    model.convW,
    model.convB,
    model.fc1W,
    model.fc1B,
    model.fc2W,
  ].map(read) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const k = arch.kernel;
  const C = arch.channels;
  const H = arch.hidden;
  const out = convOutputSize(arch);
  const flat = flattenedSize(arch);
  const convFold = foldedNorm(model.convNorm, C);
  const fc1Fold = foldedNorm(model.fc1Norm, H);

  const convWeight = new Float64Array(C * k * k);
  const convBias = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const s = convFold.scale[c]!;
    let sum = 0;
    for (let t = 0; t < k * k; t++) {
      const w = convW[t * C + c]! * s; // tfjs [dy][dx][0][c]
      convWeight[c * k * k + t] = 2 * w;
      sum += w;
    }
    convBias[c] = convB[c]! * s + convFold.shift[c]! - sum;
  }
  const fc1Weight = new Float64Array(H * flat);
  const fc1Bias = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    const s = fc1Fold.scale[h]!;
    fc1Bias[h] = fc1B[h]! * s + fc1Fold.shift[h]!;
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < out * out; p++) {
        fc1Weight[h * flat + c * out * out + p] = fc1W[(p * C + c) * H + h]! * s;
      }
    }
  }
  // Scores are centred over the classes (each fc2 column and the bias minus its class
  // mean): every chunk's scores shift by a common amount, so softmax and the argmax
  // of any sum of chunks are unchanged, and |scores| shrinks for the CKKS budget.
  const K = arch.classes;
  const fc2Weight = new Float64Array(K * H);
  for (let h = 0; h < H; h++) {
    let mean = 0;
    for (let o = 0; o < K; o++) mean += fc2W[h * K + o]! / K;
    for (let o = 0; o < K; o++) fc2Weight[o * H + h] = fc2W[h * K + o]! - mean;
  }
  const fc2B = read(model.fc2B);
  const biasMean = fc2B.reduce((a, b) => a + b, 0) / K;
  return {
    architecture: { ...arch },
    convWeight,
    convBias,
    fc1Weight,
    fc1Bias,
    fc2Weight,
    fc2Bias: fc2B.map((b) => b - biasMean),
  };
}

export function disposeTfChunkCnn(model: TfChunkCnn): void {
  for (const v of allVariables(model)) v.dispose();
}
