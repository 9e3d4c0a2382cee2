// Training an obfuscated-tier net with tfjs on the wasm backend (single-threaded, so
// deterministic for a seed: split, initial weights, dropout, batch order and
// augmentation all come from seeded streams).
//
// Where the key is used: the DATA OWNER's trainer holds the plaintext training images
// and the key; each batch is (optionally) augmented in plaintext (random shifts, the
// only augmentation), then obfuscated, then encoded. The net only ever sees obfuscated
// pixels and never receives the key.
import type * as Tf from '@tensorflow/tfjs';
import { createObfuscator } from './arnold-xor.ts';
import type { ObfuscationCondition } from './arnold-xor.ts';
import { mulberry32 } from '../ml/random.ts';
import { shuffle } from '../ml/random.ts';
import { learningRateAt, TrainingCancelled } from '../ml/training-schedule.ts';
import {
  buildHead,
  buildNet,
  cosineLogits,
  encodeImages,
  inputChannels,
  measureInputNorm,
} from './architectures.ts';
import type { NetShape, ObfArchitecture } from './architectures.ts';
import { imageAt } from './obf-dataset.ts';
import type { ObfDataset } from './obf-dataset.ts';
import { runNet } from './obf-net.ts';
import type { ObfNet } from './obf-net.ts';

export interface FitObfOptions {
  readonly arch: ObfArchitecture;
  readonly condition: ObfuscationCondition;
  readonly key: Uint8Array;
  readonly epochs: number;
  readonly seed: number;
  readonly bitPlanes: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Largest random shift in pixels applied in plaintext before obfuscating (0 = none). */
  readonly shift: number;
  /** Scored after each epoch (accuracy only; the full figures come at the end). */
  readonly validation?: ObfDataset | null;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: FitProgress) => void;
}

export interface FitProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly validationAccuracy: number | null;
  readonly elapsedMs: number;
  readonly etaMs: number;
  readonly epochDone: boolean;
}

export interface FitObfResult extends ObfNet {
  readonly finalLoss: number;
  readonly seconds: number;
}

/** Shifts an N×N image by (dx, dy) with edge pixels repeated (plaintext augmentation). */
export function shiftImage(src: Uint8Array, size: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(size - 1, Math.max(0, y - dy));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(size - 1, Math.max(0, x - dx));
      out[y * size + x] = src[sy * size + sx]!;
    }
  }
  return out;
}

export async function fitObfNet(
  tf: typeof Tf,
  train: ObfDataset,
  options: FitObfOptions,
): Promise<FitObfResult> {
  const shape: NetShape = {
    arch: options.arch,
    size: train.size,
    bitPlanes: options.bitPlanes,
    classes: train.classes.length,
  };
  const obfuscator = createObfuscator(options.key, train.size, options.condition);
  const model = buildNet(tf, shape, options.seed);
  const head = buildHead(tf, shape.classes, options.seed);
  const trainable = [...model.trainableWeights.map((w) => w.read() as Tf.Variable), head];
  const random = mulberry32(options.seed + 0x51ed);
  const optimizer = tf.train.adam(options.learningRate);
  const pixelsPer = train.size * train.size;
  const count = train.labels.length;
  const steps = Math.ceil(count / options.batchSize);
  const total = steps * options.epochs;
  const channels = inputChannels(shape);
  const validation = options.validation ?? null;
  const validationObf = validation ? obfuscator.obfuscateBatch(validation.pixels) : null;
  const started = performance.now();
  const trainObf = obfuscator.obfuscateBatch(train.pixels);
  const norm = measureInputNorm(
    (function* () {
      for (let start = 0; start < count; start += 1000) {
        const rows = Math.min(1000, count - start);
        yield encodeImages(
          shape,
          trainObf.subarray(start * pixelsPer, (start + rows) * pixelsPer),
          rows,
        );
      }
    })(),
    pixelsPer * channels,
  );
  const net: ObfNet = { model, head, shape, norm };
  let lastLoss = NaN;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = shuffle(
        Array.from({ length: count }, (_, i) => i),
        random,
      );
      let lossSum = 0;
      for (let step = 0; step < steps; step++) {
        if (options.signal?.aborted) throw new TrainingCancelled('training cancelled');
        (optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(
          options.learningRate,
          epoch * steps + step,
          total,
        );
        const batch = order.slice(step * options.batchSize, (step + 1) * options.batchSize);
        const plain = new Uint8Array(batch.length * pixelsPer);
        const onehot = new Float32Array(batch.length * shape.classes);
        batch.forEach((index, k) => {
          let image = imageAt(train, index);
          if (options.shift > 0) {
            const span = 2 * options.shift + 1;
            const dx = Math.floor(random() * span) - options.shift;
            const dy = Math.floor(random() * span) - options.shift;
            image = shiftImage(image, train.size, dx, dy);
          }
          plain.set(image, k * pixelsPer);
          onehot[k * shape.classes + train.labels[index]!] = 1;
        });
        const input = encodeImages(shape, obfuscator.obfuscateBatch(plain), batch.length, norm);
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(input, [batch.length, train.size, train.size, channels]);
          const y = tf.tensor2d(onehot, [batch.length, shape.classes]);
          return optimizer.minimize(
            () => {
              const raw = model.apply(x, { training: true }) as Tf.Tensor;
              return tf.losses.softmaxCrossEntropy(y, cosineLogits(tf, raw, head, y));
            },
            true,
            trainable,
          )!;
        });
        lossSum += (await loss.data())[0]!;
        loss.dispose();
        const done = epoch * steps + step + 1;
        const elapsedMs = performance.now() - started;
        const epochDone = step === steps - 1;
        const validationAccuracy =
          epochDone && validation && validationObf
            ? accuracyOf(
                runNet(tf, net, validationObf, validation.labels.length).predicted,
                validation.labels,
              )
            : null;
        lastLoss = lossSum / (step + 1);
        options.onProgress?.({
          epoch: epoch + 1,
          epochs: options.epochs,
          step: step + 1,
          steps,
          loss: lastLoss,
          validationAccuracy,
          elapsedMs,
          etaMs: (elapsedMs / done) * (total - done),
          epochDone,
        });
        if (step % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      if (!Number.isFinite(lastLoss))
        throw new Error(`training diverged at epoch ${epoch + 1} (loss ${lastLoss})`);
    }
  } catch (error) {
    model.dispose();
    head.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
  return {
    model,
    head,
    shape,
    norm,
    finalLoss: lastLoss,
    seconds: (performance.now() - started) / 1000,
  };
}

function accuracyOf(predicted: readonly number[], labels: Uint8Array): number {
  let right = 0;
  predicted.forEach((p, i) => (right += p === labels[i] ? 1 : 0));
  return predicted.length > 0 ? right / predicted.length : 0;
}
