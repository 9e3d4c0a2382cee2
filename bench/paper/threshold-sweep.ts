// The threshold (and the minimum of feature chunks per image) trade privacy work for
// accuracy: how many chunks each class gets CKKS-encrypted under a selection rule, and
// the image accuracy of a model when the feature chunks are re-selected by that rule
// (the model is not retrained: this is what an inspector changing the rule for an
// existing vault would see).
import { selectFeatureChunks } from '../../src-main/engine/image/chunks.ts';
import { aggregateImage, argmax } from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { CHUNK_COUNT } from '../../src-shared/domain/geometry.ts';

export interface SweepImage {
  readonly classIndex: number;
  readonly scores: readonly number[];
  /** The model's plaintext scores for each of the 16 chunks. */
  readonly chunkScores: readonly Float64Array[];
}

export interface SelectionRule {
  readonly threshold: number;
  readonly minFeatureChunks: number;
}

export interface SweepPoint extends SelectionRule {
  /** Share of the 16 chunks selected, per class and overall. */
  readonly featureFraction: number;
  readonly featureFractionPerClass: number[];
  /** Images where no chunk passed the threshold. */
  readonly fallbackImages: number;
  readonly accuracy: number;
}

export function thresholdSweep(
  images: readonly SweepImage[],
  classCount: number,
  rules: readonly SelectionRule[],
): SweepPoint[] {
  return rules.map(({ threshold, minFeatureChunks }) => {
    const selected = new Array<number>(classCount).fill(0);
    const perClass = new Array<number>(classCount).fill(0);
    let right = 0;
    let fallback = 0;
    for (const image of images) {
      const selection = selectFeatureChunks(image.scores, threshold, minFeatureChunks);
      const features = selection.signedIndices.map((index) => index > 0);
      if (selection.lowGradient) fallback++;
      selected[image.classIndex]! += features.filter(Boolean).length;
      perClass[image.classIndex]!++;
      const predicted = argmax(aggregateImage(image.chunkScores.filter((_, p) => features[p])));
      if (predicted === image.classIndex) right++;
    }
    const total = selected.reduce((a, b) => a + b, 0);
    return {
      threshold,
      minFeatureChunks,
      featureFraction: total / (images.length * CHUNK_COUNT),
      featureFractionPerClass: selected.map((s, c) => s / (perClass[c]! * CHUNK_COUNT || 1)),
      fallbackImages: fallback,
      accuracy: right / images.length,
    };
  });
}
