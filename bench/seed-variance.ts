// `npm run bench -- seeds [--seeds 1,2,3] [--split-seed 1] [--epochs 100] [--variant NAME] [--workers N] [--save DIR]`:
// how much of a validation figure is the recipe and how much is the seed. Trains the
// sealed tier's chunk CNN once per seed on ONE fixed split (only the initial weights,
// batch order and augmentation change), and reports each run's image accuracy, their
// mean and standard deviation, the seed ensemble (scores summed over members, as an
// encrypted ensemble would sum them), and the accuracy when every image contributes at
// least K chunks (its K strongest by Sobel score) besides those over the threshold.
// `--save DIR` writes each run's model file (and the seeds' ensemble) there, for
// measurements on the same held-out images (retrieval, encrypted cost).
// Variants are the training changes tried against the ≥ 98 % accuracy target (docs/experiments/sealed-tier-accuracy.md).
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregateImage } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import {
  evaluateReference,
  referenceScores,
} from '../src-main/engine/sealed/train/evaluate-chunk-cnn.ts';
import { loadLabelledFolder } from '../src-main/engine/sealed/train/labelled-folder.ts';
import { splitImages } from '../src-main/engine/ml/split-images.ts';
import type { LabelledImage } from '../src-main/engine/sealed/train/labelled-folder.ts';
import { TRAIN_DEFAULTS, trainChunkCnn } from '../src-main/engine/sealed/train/train-chunk-cnn.ts';
import type { TrainOptions } from '../src-main/engine/sealed/train/train-chunk-cnn.ts';
import { option } from './bench-options.ts';
import { thresholdSweep } from './paper/threshold-sweep.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));

/** The earlier 9-channel recipe (9 channels of 4×4 at stride 3, L2 decay): the older figures. */
const NINE_CHANNEL: Omit<TrainOptions, 'seed' | 'splitSeed'> = {
  architecture: { channels: 9, kernel: 4, stride: 3 },
  scorePenalty: 1e-3,
  weightDecay: 1e-5,
};

/**
 * Named training changes (only nets the HE engine can run: `train` refuses a conv that
 * overflows a 1024-slot block). `default` is the current recipe (TRAIN_DEFAULTS).
 */
export const VARIANTS: Record<string, Omit<TrainOptions, 'seed' | 'splitSeed'>> = {
  default: {},
  'nine-channel': NINE_CHANNEL,
  long: { ...NINE_CHANNEL, epochs: 200 },
  batchnorm: { ...NINE_CHANNEL, batchNorm: true },
  /** Dropout 0.2 on fc1's inputs + label smoothing 0.1 (measured worse: the recipe underfits). */
  regularised: { ...NINE_CHANNEL, dropout: 0.2, labelSmoothing: 0.1 },
  /** The 9-channel net without L2 decay and with a 10× lighter score penalty (no dead units). */
  'no-decay': { architecture: NINE_CHANNEL.architecture },
  /** The default net with 64 hidden units: half fc1's cost in the blocks layout. */
  'hidden-64': { architecture: { hidden: 64 } },
  /** 16 channels of 6×6 at stride 4 (6×6 outputs each). */
  'wide-k6': { architecture: { channels: 16, kernel: 6, stride: 4 } },
};

const MIN_CHUNKS = [0, 4, 8, 12, 16];

/** Image accuracy at each minimum K, the feature chunks re-selected from the gradient scores. */
function accuracyByMinChunks(
  images: ReadonlyArray<Pick<LabelledImage, 'classIndex' | 'scores'>>,
  chunkScores: ReadonlyArray<readonly Float64Array[]>,
  threshold: number,
  classCount: number,
): Array<{ k: number; accuracy: number }> {
  const sweepImages = images.map((image, n) => ({
    classIndex: image.classIndex,
    scores: image.scores ?? [],
    chunkScores: chunkScores[n]!,
  }));
  const rules = MIN_CHUNKS.map((k) => ({ threshold, minFeatureChunks: k }));
  return thresholdSweep(sweepImages, classCount, rules).map((point) => ({
    k: point.minFeatureChunks,
    accuracy: point.accuracy,
  }));
}

function withoutSeed<T extends { seed: number }>(options: T): Omit<T, 'seed'> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => key !== 'seed')) as Omit<
    T,
    'seed'
  >;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

export async function runSeedVariance() {
  const log = (line: string) => process.stderr.write(`bench seeds: ${line}\n`);
  const variant = option('variant', 'default');
  const recipe = VARIANTS[variant];
  if (!recipe) throw new Error(`unknown variant ${variant} (${Object.keys(VARIANTS).join(', ')})`);
  const seeds = option('seeds', '1,2,3').split(',').map(Number);
  const splitSeed = Number(option('split-seed', '1'));
  const epochs = Number(option('epochs', String(recipe.epochs ?? TRAIN_DEFAULTS.epochs)));
  const dataset = path.resolve(option('dataset', path.resolve(REPO, '../shared/datasets/neu-cls')));
  // The minimum used in training (the accuracy table re-selects chunks at each minimum).
  const minFeatureChunks = Number(option('min-chunks', String(TRAIN_DEFAULTS.minFeatureChunks)));
  const folder = await loadLabelledFolder(dataset, {
    threshold: TRAIN_DEFAULTS.threshold,
    minFeatureChunks,
  });
  const validation = splitImages(folder.images, TRAIN_DEFAULTS.valFraction, splitSeed).validation;
  const runs = [];
  const members: Float64Array[][][] = [];
  // Consecutive seeds train at once, one worker thread per core (the same weights as one
  // by one: a member depends only on its seed and the split).
  const consecutive = seeds.every((seed, i) => seed === seeds[0]! + i);
  const parallel = consecutive ? Number(option('workers', String(availableParallelism()))) : 1;
  log(
    `variant ${variant}, seeds ${seeds.join(',')}, split ${splitSeed}, ${epochs} epochs, ${parallel} at once`,
  );
  const trainStarted = performance.now();
  const trained = consecutive
    ? [
        await trainChunkCnn(folder, {
          ...recipe,
          epochs,
          seed: seeds[0]!,
          splitSeed,
          members: seeds.length,
          parallelMembers: parallel,
        }),
      ]
    : [];
  for (const [index, seed] of seeds.entries()) {
    const weights = consecutive
      ? trained[0]!.members[index]!
      : (await trainChunkCnn(folder, { ...recipe, epochs, seed, splitSeed })).weights;
    const figures = evaluateReference(weights, folder.classes, validation);
    const scores = referenceScores(weights, validation);
    members.push(scores);
    runs.push({
      seed,
      imageAccuracy: figures.imageAccuracy,
      featureChunkAccuracy: figures.featureChunkAccuracy,
      minChunks: accuracyByMinChunks(validation, scores, folder.threshold, folder.classes.length),
    });
  }
  const ensemble = validation.map((_, n) =>
    Array.from({ length: 16 }, (_, p) => aggregateImage(members.map((m) => m[n]![p]!))),
  );
  const accuracies = runs.map((r) => r.imageAccuracy);
  const trainSeconds = (performance.now() - trainStarted) / 1000;
  const saveDir = option('save', '');
  if (saveDir && consecutive) {
    const result = trained[0]!;
    await mkdir(saveDir, { recursive: true });
    const name = `neu-${variant}-split${splitSeed}-seeds${seeds.join('+')}-${epochs}`;
    await writeFile(path.join(saveDir, `${name}.json`), result.modelText);
    log(`wrote ${path.join(saveDir, name)}.json (the seeds' ensemble; members are its blocks)`);
  }
  return {
    variant,
    recipe: { ...withoutSeed(TRAIN_DEFAULTS), ...recipe, epochs, minFeatureChunks },
    splitSeed,
    validationImages: validation.length,
    /** Wall time of the training and scoring (members at once when the seeds are consecutive). */
    trainSeconds,
    runs,
    meanImageAccuracy: mean(accuracies),
    sdImageAccuracy: sd(accuracies),
    ensemble: {
      members: seeds.length,
      minChunks: accuracyByMinChunks(validation, ensemble, folder.threshold, folder.classes.length),
    },
  };
}
