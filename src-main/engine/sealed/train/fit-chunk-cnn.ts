// The training loop: Adam with a warm-up and a cosine decay, cross-entropy on the
// chunks (labelled with their image's class) plus, optionally, on the image's summed
// feature-chunk scores; penalties on the squared scores and the weights keep the
// activations inside the CKKS budget; global-norm gradient clipping keeps the two
// squares from blowing up early on. Optional dropout (on fc1's inputs) and label
// smoothing regularise; both off by default. Validation runs after every epoch.
import type * as Tf from '@tensorflow/tfjs';
import { learningRateAt, TrainingCancelled } from '../../ml/training-schedule.ts';
import { CHUNK_SIZE } from '../../../../src-shared/domain/geometry.ts';
import { tfForward, tfVariables, updateRunningStats } from './chunk-cnn-tf.ts';
import type { TfChunkCnn, TfForward } from './chunk-cnn-tf.ts';
import { validationFigures } from './evaluate-chunk-cnn.ts';
import type { EvalImage, ValidationFigures } from './evaluate-chunk-cnn.ts';
import { shuffle } from '../../ml/random.ts';
import { buildBatch, stackChunks } from './training-batches.ts';
import type { BatchImage, TrainChunks } from './training-batches.ts';

export interface FitOptions {
  readonly classes: readonly string[];
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchImages: number;
  readonly trainChunks: TrainChunks;
  readonly chunkLoss: number;
  readonly imageLoss: number;
  readonly augment: boolean;
  readonly threshold: number;
  readonly minFeatureChunks: number;
  readonly scorePenalty: number;
  readonly weightDecay: number;
  /** Dropout rate on fc1's inputs (the squared conv features) while training. */
  readonly dropout: number;
  /** Label smoothing of both losses' targets (0 = one-hot). */
  readonly labelSmoothing: number;
  readonly random: () => number;
  readonly signal?: AbortSignal | undefined;
  readonly onEpoch?: (progress: EpochProgress) => void;
}

export interface EpochProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training loss over the epoch's steps. */
  readonly loss: number;
  readonly validation: Pick<
    ValidationFigures,
    'imageAccuracy' | 'featureChunkAccuracy' | 'allChunkAccuracy'
  > | null;
  readonly elapsedMs: number;
  readonly etaMs: number;
}

const CLIP_NORM = 5;

/** Trains `model` in place; returns the last epoch's mean loss. */
export async function fitChunkCnn(
  tf: typeof Tf,
  model: TfChunkCnn,
  train: readonly BatchImage[],
  validation: readonly EvalImage[],
  options: FitOptions,
): Promise<number> {
  const classes = options.classes.length;
  const optimizer = tf.train.adam(options.learningRate);
  const variables = tfVariables(model);
  const weightsOnly = [model.convW, model.fc1W, model.fc2W];
  const stepsPerEpoch = Math.ceil(train.length / options.batchImages);
  const totalSteps = stepsPerEpoch * options.epochs;
  const started = performance.now();
  const smooth = (oneHot: Tf.Tensor2D): Tf.Tensor2D =>
    options.labelSmoothing > 0
      ? oneHot.mul(1 - options.labelSmoothing).add(options.labelSmoothing / classes)
      : oneHot;
  let lastLoss = NaN;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = shuffle(train, options.random);
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        if (options.signal?.aborted) throw new TrainingCancelled('training cancelled');
        // AdamOptimizer reads its (protected) learningRate on every step: the schedule.
        (optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(
          options.learningRate,
          epoch * stepsPerEpoch + step,
          totalSteps,
        );
        const batch = buildBatch(
          order.slice(step * options.batchImages, (step + 1) * options.batchImages),
          {
            classes,
            trainChunks: options.trainChunks,
            augment: options.augment,
            threshold: options.threshold,
            minFeatureChunks: options.minFeatureChunks,
            random: options.random,
          },
        );
        const dropout =
          options.dropout > 0
            ? { rate: options.dropout, seed: Math.floor(options.random() * 2 ** 31) }
            : null;
        const loss = tf.tidy(() => {
          const n = batch.chunkCount;
          const x = tf.tensor4d(batch.pixels, [n, CHUNK_SIZE, CHUNK_SIZE, 1]);
          const chunkLabels = smooth(tf.tensor2d(batch.chunkLabels, [n, classes]));
          const membership = tf.tensor2d(batch.membership, [batch.imageCount, n]);
          const imageLabels = smooth(tf.tensor2d(batch.imageLabels, [batch.imageCount, classes]));
          let batchStats: TfForward['batchStats'] = [];
          const { value, grads } = tf.variableGrads(() => {
            const forward = tfForward(tf, model, x, true, dropout);
            const logits = forward.logits;
            batchStats = forward.batchStats;
            let total = crossEntropy(tf, logits, chunkLabels).mul(options.chunkLoss);
            if (options.imageLoss > 0) {
              const imageLogits = membership.matMul(logits) as Tf.Tensor2D;
              total = total.add(crossEntropy(tf, imageLogits, imageLabels).mul(options.imageLoss));
            }
            total = total.add(logits.square().mean().mul(options.scorePenalty));
            const decay = tf.addN(weightsOnly.map((w) => w.square().sum()));
            return total.add(decay.mul(options.weightDecay)) as Tf.Scalar;
          }, variables);
          const norm = tf.addN(Object.values(grads).map((g) => g.square().sum())).sqrt();
          const scale = tf.minimum(1, tf.div(CLIP_NORM, norm.add(1e-12)));
          const clipped = Object.fromEntries(
            Object.entries(grads).map(([name, g]) => [name, g.mul(scale)]),
          ) as Parameters<typeof optimizer.applyGradients>[0];
          optimizer.applyGradients(clipped);
          updateRunningStats(tf, batchStats);
          return value;
        });
        lossSum += (await loss.data())[0]!;
        loss.dispose();
      }
      lastLoss = lossSum / stepsPerEpoch;
      if (!Number.isFinite(lastLoss))
        throw new Error(`training diverged at epoch ${epoch + 1} (loss ${lastLoss})`);
      const figures =
        validation.length > 0
          ? validationFigures(options.classes, validation, scoreImagesTf(tf, model, validation))
          : null;
      const elapsedMs = performance.now() - started;
      options.onEpoch?.({
        epoch: epoch + 1,
        epochs: options.epochs,
        loss: lastLoss,
        validation: figures && {
          imageAccuracy: figures.imageAccuracy,
          featureChunkAccuracy: figures.featureChunkAccuracy,
          allChunkAccuracy: figures.allChunkAccuracy,
        },
        elapsedMs,
        etaMs: (elapsedMs / (epoch + 1)) * (options.epochs - epoch - 1),
      });
      await new Promise((resolve) => setImmediate(resolve)); // let signals and I/O through
    }
  } finally {
    optimizer.dispose();
  }
  return lastLoss;
}

/** Mean cross-entropy of logits [n, k] against one-hot labels [n, k]. */
function crossEntropy(tf: typeof Tf, logits: Tf.Tensor2D, labels: Tf.Tensor2D): Tf.Scalar {
  return tf.logSoftmax(logits).mul(labels).sum().div(-logits.shape[0]) as Tf.Scalar;
}

/** Scores of all 16 chunks of every image through the tf model: [image][position] → scores. */
export function scoreImagesTf(
  tf: typeof Tf,
  model: TfChunkCnn,
  images: ReadonlyArray<{ chunks: readonly Uint8Array[] }>,
  imagesPerCall = 64,
): Float64Array[][] {
  const out: Float64Array[][] = [];
  const k = model.architecture.classes;
  for (let start = 0; start < images.length; start += imagesPerCall) {
    const slice = images.slice(start, start + imagesPerCall);
    const scores = tf.tidy(() => {
      const x = tf.tensor4d(stackChunks(slice), [slice.length * 16, CHUNK_SIZE, CHUNK_SIZE, 1]);
      return tfForward(tf, model, x).logits.dataSync();
    });
    slice.forEach((_, n) =>
      out.push(
        Array.from({ length: 16 }, (_, p) =>
          Float64Array.from(scores.subarray((n * 16 + p) * k, (n * 16 + p + 1) * k)),
        ),
      ),
    );
  }
  return out;
}
