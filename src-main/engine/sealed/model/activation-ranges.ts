// Activation ranges of the chunk CNN, recorded in the model file for the HE engine's
// budget check: the largest |value| after each layer over a set of chunks, and (from
// images) the largest |image score| — the sum of an image's feature-chunk scores, per
// class, the value the encrypted result must hold. An ensemble is measured
// member by member (its merged net's fc1 is mostly zeros), the scores summed.
import type { ActivationRanges } from './model-file.ts';
import { forwardChunk } from './chunk-cnn.ts';
import type { ChunkCnnWeights } from './chunk-cnn.ts';
import { ensembleMembers } from './chunk-cnn-ensemble.ts';

function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]!));
  return largest;
}

/** The net's chunk scores (an ensemble's summed over its members), tracking conv/fc1 ranges. */
function scoreChunk(
  members: readonly ChunkCnnWeights[],
  chunk: ArrayLike<number>,
  ranges: { conv: number; fc1: number },
): Float64Array {
  let scores: Float64Array | null = null;
  for (const member of members) {
    const trace = forwardChunk(member, chunk);
    ranges.conv = Math.max(ranges.conv, maxAbs(trace.conv));
    ranges.fc1 = Math.max(ranges.fc1, maxAbs(trace.fc1));
    if (scores) trace.scores.forEach((v, c) => (scores![c]! += v));
    else scores = trace.scores;
  }
  return scores!;
}

export function measureActivationRanges(
  weights: ChunkCnnWeights,
  chunks: Iterable<ArrayLike<number>>,
): ActivationRanges {
  const members = ensembleMembers(weights);
  const ranges = { conv: 0, fc1: 0, scores: 0 };
  for (const chunk of chunks) {
    ranges.scores = Math.max(ranges.scores, maxAbs(scoreChunk(members, chunk, ranges)));
  }
  return ranges;
}

/**
 * Every range a model file records, measured on images as the pipeline cut them:
 * layer ranges over all their chunks (pixels 0–255), image scores over their
 * feature chunks. One forward pass per chunk.
 */
export function measureOnImages(
  weights: ChunkCnnWeights,
  images: ReadonlyArray<{
    readonly chunks: readonly ArrayLike<number>[];
    readonly isFeature: readonly boolean[];
  }>,
): ActivationRanges & { imageScores: number } {
  const members = ensembleMembers(weights);
  const ranges = { conv: 0, fc1: 0, scores: 0, imageScores: 0 };
  for (const image of images) {
    const sum = new Float64Array(weights.architecture.classes);
    image.chunks.forEach((chunk, p) => {
      const scores = scoreChunk(
        members,
        Float64Array.from(chunk, (v) => v / 255),
        ranges,
      );
      ranges.scores = Math.max(ranges.scores, maxAbs(scores));
      if (image.isFeature[p]) scores.forEach((v, c) => (sum[c]! += v));
    });
    ranges.imageScores = Math.max(ranges.imageScores, maxAbs(sum));
  }
  return ranges;
}
