// `sealsight obf train` in the engine: load the dataset, split it deterministically
// (stratified per class, byte-identical images on the same side), train under the
// requested condition with a key, score the held-out split (classification + retrieval)
// and produce the model file.
import { generateObfuscationKey } from './arnold-xor.ts';
import type { ObfuscationCondition } from './arnold-xor.ts';
import { splitImages } from '../ml/split-images.ts';
import type { ObfArchitecture } from './architectures.ts';
import { ARCHITECTURE_SPECS } from './architectures.ts';
import { evaluateObfNet } from './evaluate-obf.ts';
import type { ObfEvaluation } from './evaluate-obf.ts';
import { loadObfDataset, MNIST_SIZE, subset } from './obf-dataset.ts';
import type { ObfDataset } from './obf-dataset.ts';
import { serializeObfModel } from './obf-model-file.ts';
import { disposeNet } from './obf-net.ts';
import { initTfWasm } from '../ml/tf-wasm.ts';
import { fitObfNet } from './train-obf.ts';
import type { FitProgress } from './train-obf.ts';

export interface ObfTrainOptions {
  readonly arch?: ObfArchitecture;
  readonly condition?: ObfuscationCondition;
  readonly epochs?: number;
  readonly seed?: number;
  /** Image side the images are resized to before obfuscation (MNIST: 28). */
  readonly size?: number;
  readonly bitPlanes?: number;
  readonly shift?: number;
  readonly valFraction?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Train on at most this many images of the training split (the ablation's subsets). */
  readonly trainLimit?: number;
  /**
   * The key to train under and how the file records it: a demo key is written into the file
   * (measurement on public data; a fresh random one when `demo` is absent), a vault's key
   * is only named (vault id + key id).
   */
  readonly key: ObfTrainingKey;
  readonly signal?: AbortSignal;
  readonly onLoad?: (done: number, total: number) => void;
  readonly onProgress?: (p: FitProgress) => void;
}

export const OBF_TRAIN_DEFAULTS = Object.freeze({
  arch: 'dcnn' as ObfArchitecture,
  condition: 'arnold+xor' as ObfuscationCondition,
  epochs: 10,
  seed: 1,
  folderSize: 32,
  bitPlanes: 4,
  shift: 1,
  batchSize: 128,
  learningRate: 1e-3,
});

export type ObfTrainingKey =
  | { readonly demo?: Uint8Array }
  | { readonly vaultId: string; readonly keyId: number; readonly key: Uint8Array };

export interface ObfTrainReport {
  readonly dataset: string;
  readonly dataHash: string;
  readonly arch: ObfArchitecture;
  readonly condition: ObfuscationCondition;
  readonly classes: readonly string[];
  readonly images: { readonly train: number; readonly validation: number; readonly failed: number };
  readonly failed: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
  readonly validation: Omit<ObfEvaluation, 'confusion'> | null;
  readonly seconds: { readonly load: number; readonly train: number; readonly validate: number };
  readonly finalLoss: number;
}

export async function loadTrainingSplit(
  spec: string,
  size: number,
  valFraction: number,
  seed: number,
  onLoad?: (done: number, total: number) => void,
): Promise<{ all: ObfDataset; train: ObfDataset; validation: ObfDataset }> {
  const all = await loadObfDataset(spec, {
    split: 'train',
    size,
    ...(onLoad ? { onProgress: onLoad } : {}),
  });
  return splitObfDataset(all, valFraction, seed);
}

/** Trains on a dataset spec (`mnist` or a labelled folder), loaded and split here. */
export async function trainObfModel(
  spec: string,
  options: ObfTrainOptions,
): Promise<{ modelText: string; report: ObfTrainReport }> {
  const t = performance.now();
  const size = options.size ?? (spec === 'mnist' ? MNIST_SIZE : OBF_TRAIN_DEFAULTS.folderSize);
  const valFraction = options.valFraction ?? (spec === 'mnist' ? 0.1 : 0.2);
  const seed = options.seed ?? OBF_TRAIN_DEFAULTS.seed;
  const split = await loadTrainingSplit(spec, size, valFraction, seed, options.onLoad);
  return trainObfOnSplit(
    { ...split, name: spec === 'mnist' ? 'mnist (60,000 training images)' : spec },
    { ...options, valFraction },
    (performance.now() - t) / 1000,
  );
}

/** Splits an in-memory dataset (a vault's images) the same way as a folder's. */
export function splitObfDataset(
  all: ObfDataset,
  valFraction: number,
  seed: number,
): { all: ObfDataset; train: ObfDataset; validation: ObfDataset } {
  const items = all.names.map((name, index) => ({
    name,
    index,
    hash: all.hashes[index]!,
    classIndex: all.labels[index]!,
  }));
  const split = splitImages(items, valFraction, seed);
  const order = (list: typeof items) => list.map((i) => i.index).sort((a, b) => a - b);
  return {
    all,
    train: subset(all, order(split.train)),
    validation: subset(all, order(split.validation)),
  };
}

/** Trains on an already split dataset and produces the model file's text. */
export async function trainObfOnSplit(
  data: {
    readonly all: ObfDataset;
    readonly train: ObfDataset;
    readonly validation: ObfDataset;
    readonly name: string;
  },
  options: ObfTrainOptions,
  loadSeconds: number,
): Promise<{ modelText: string; report: ObfTrainReport }> {
  const d = OBF_TRAIN_DEFAULTS;
  const arch = options.arch ?? d.arch;
  const condition = options.condition ?? d.condition;
  const epochs = options.epochs ?? d.epochs;
  const seed = options.seed ?? d.seed;
  const bitPlanes = options.bitPlanes ?? d.bitPlanes;
  const shift = options.shift ?? d.shift;
  const valFraction = options.valFraction ?? 0.2;
  const keySpec = options.key;
  const key = 'key' in keySpec ? keySpec.key : (keySpec.demo ?? generateObfuscationKey());
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new RangeError('epochs must be ≥ 1');

  const { all, train: fullTrain, validation } = data;
  const train =
    options.trainLimit !== undefined && options.trainLimit < fullTrain.labels.length
      ? subset(
          fullTrain,
          Array.from({ length: options.trainLimit }, (_, i) =>
            Math.floor((i * fullTrain.labels.length) / options.trainLimit!),
          ),
        )
      : fullTrain;
  const load = loadSeconds;
  const tf = await initTfWasm();
  const fitted = await fitObfNet(tf, train, {
    arch,
    condition,
    key,
    epochs,
    seed,
    bitPlanes,
    batchSize: options.batchSize ?? d.batchSize,
    learningRate: options.learningRate ?? d.learningRate,
    shift,
    validation: validation.labels.length > 0 ? validation : null,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  try {
    const t = performance.now();
    const scored =
      validation.labels.length > 0
        ? await evaluateObfNet(tf, fitted, key, condition, validation)
        : null;
    const validate = (performance.now() - t) / 1000;
    const report: ObfTrainReport = {
      dataset: data.name,
      dataHash: all.dataHash,
      arch,
      condition,
      classes: all.classes,
      images: {
        train: train.labels.length,
        validation: validation.labels.length,
        failed: all.failed.length,
      },
      failed: all.failed,
      validation: scored,
      seconds: { load, train: fitted.seconds, validate },
      finalLoss: fitted.finalLoss,
    };
    const modelText = serializeObfModel(fitted, {
      classes: all.classes,
      condition,
      key: 'key' in keySpec ? { vaultId: keySpec.vaultId, keyId: keySpec.keyId } : { demo: key },
      provenance: {
        trainer: 'sealsight obf train',
        backend: `tfjs ${tf.version.tfjs} wasm (float32), weights stored as float16`,
        architecture: ARCHITECTURE_SPECS[arch].description,
        dataset: report.dataset,
        dataHash: all.dataHash,
        seed,
        epochs,
        valFraction,
        images: report.images,
        options: {
          bitPlanes,
          shift,
          batchSize: options.batchSize ?? d.batchSize,
          learningRate: options.learningRate ?? d.learningRate,
        },
        validation: scored && {
          n: scored.n,
          accuracy: scored.accuracy,
          weightedF1: scored.weightedF1,
          macroF1: scored.macroF1,
          mAP: scored.mAP,
          precisionAt: scored.precisionAt,
          perClass: scored.perClass,
          confusion: scored.confusion,
        },
        trainingSeconds: fitted.seconds,
        finalLoss: fitted.finalLoss,
        createdAt: new Date().toISOString(),
      },
    });
    return { modelText, report };
  } finally {
    disposeNet(fitted);
  }
}
