// Validation figures the way the encrypted engine decides: an image's class is the
// argmax of the SUM of its feature chunks' scores (aggregateImage). Chunk-level
// accuracy (each chunk labelled with its image's class) is reported beside it, over
// the feature chunks the engine uses and over all 16.
import { aggregateImage, argmax, forwardChunk } from '../model/chunk-cnn.ts';
import type { ChunkCnnWeights } from '../model/chunk-cnn.ts';
import type { BatchImage } from './training-batches.ts';

/** An image as validation needs it: its class and its 16 chunks (raw bytes) with feature flags. */
export type EvalImage = Pick<BatchImage, 'classIndex' | 'chunks' | 'isFeature'>;

export interface ValidationFigures {
  readonly images: number;
  /** Image level: argmax of the summed feature-chunk scores, as under encryption. */
  readonly imageAccuracy: number;
  /** Each feature chunk on its own. */
  readonly featureChunkAccuracy: number;
  /** Each of the 16 chunks on its own. */
  readonly allChunkAccuracy: number;
  readonly perClass: Array<{ class: string; images: number; imageAccuracy: number }>;
  /** confusion[true][predicted], image level. */
  readonly confusion: number[][];
}

/** Figures from per-chunk scores (scores[image][position] = class scores). */
export function validationFigures(
  classes: readonly string[],
  images: readonly EvalImage[],
  scores: ReadonlyArray<readonly Float64Array[]>,
): ValidationFigures {
  const k = classes.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let imageRight = 0;
  let featureRight = 0;
  let featureTotal = 0;
  let allRight = 0;
  let allTotal = 0;
  images.forEach((image, n) => {
    const chunkScores = scores[n]!;
    const features = chunkScores.filter((_, p) => image.isFeature[p]);
    const predicted = argmax(aggregateImage(features));
    confusion[image.classIndex]![predicted]!++;
    if (predicted === image.classIndex) imageRight++;
    chunkScores.forEach((s, p) => {
      const right = argmax(s) === image.classIndex ? 1 : 0;
      allRight += right;
      allTotal++;
      if (image.isFeature[p]) {
        featureRight += right;
        featureTotal++;
      }
    });
  });
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    images: images.length,
    imageAccuracy: ratio(imageRight, images.length),
    featureChunkAccuracy: ratio(featureRight, featureTotal),
    allChunkAccuracy: ratio(allRight, allTotal),
    perClass: classes.map((name, c) => {
      const row = confusion[c]!;
      const total = row.reduce((a, b) => a + b, 0);
      return { class: name, images: total, imageAccuracy: ratio(row[c]!, total) };
    }),
    confusion,
  };
}

/** Raw chunks (grey levels) through the float64 reference, pixels / 255 as the engine encrypts them. */
export function referenceChunkScores(
  weights: ChunkCnnWeights,
  chunks: readonly Uint8Array[],
): Float64Array[] {
  return chunks.map(
    (chunk) =>
      forwardChunk(
        weights,
        Float64Array.from(chunk, (v) => v / 255),
      ).scores,
  );
}

/** Scores every chunk of every image through the float64 reference. */
export function referenceScores(
  weights: ChunkCnnWeights,
  images: readonly EvalImage[],
): Float64Array[][] {
  return images.map((image) => referenceChunkScores(weights, image.chunks));
}

export function evaluateReference(
  weights: ChunkCnnWeights,
  classes: readonly string[],
  images: readonly EvalImage[],
): ValidationFigures {
  return validationFigures(classes, images, referenceScores(weights, images));
}
