// The 4×4 grid of 28×28 chunks, their gradient scores and the feature/non-feature
// split that decides which tier each chunk goes to.

import {
  CHUNK_COUNT,
  CHUNK_PIXELS,
  CHUNK_SIZE,
  CHUNKS_PER_SIDE,
  FALLBACK_FEATURE_CHUNKS,
  IMAGE_SIZE,
  isMinFeatureChunks,
  signedChunkIndex,
} from '../../../src-shared/domain/geometry.ts';

const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

function checkImageLength(length: number, what: string): void {
  if (length !== IMAGE_PIXELS) {
    throw new RangeError(`${what} has ${length} values, expected ${IMAGE_SIZE}×${IMAGE_SIZE}`);
  }
}

/** Copies chunk `position` (row-major, 0..15) of a 112×112 row-major array into `out`. */
function copyChunk<T extends Uint8Array | Float32Array>(src: T, position: number, out: T): T {
  const top = Math.floor(position / CHUNKS_PER_SIDE) * CHUNK_SIZE;
  const left = (position % CHUNKS_PER_SIDE) * CHUNK_SIZE;
  for (let row = 0; row < CHUNK_SIZE; row++) {
    const start = (top + row) * IMAGE_SIZE + left;
    out.set(src.subarray(start, start + CHUNK_SIZE), row * CHUNK_SIZE);
  }
  return out;
}

/**
 * Cuts a 112×112 image into 16 chunks of 28×28. Chunk p covers rows
 * 28·floor(p/4)… and columns 28·(p%4)…; each chunk is row-major.
 */
export function cutChunks(img112: Uint8Array): Uint8Array[] {
  checkImageLength(img112.length, 'image');
  return Array.from({ length: CHUNK_COUNT }, (_, p) =>
    copyChunk(img112, p, new Uint8Array(CHUNK_PIXELS)),
  );
}

/**
 * One score per chunk: the MEAN Sobel magnitude over its 784 pixels.
 *
 * Why the mean: it stays on the per-pixel scale the paper's threshold of 100 is
 * expressed in ("the average pixel of this chunk has a gradient above 100"); a
 * sum over 784 pixels would make 100 meaningless. And it measures how much of the
 * chunk is textured, so one hot pixel (noise, dust, a JPEG artefact) cannot
 * promote a flat chunk: a single sharp 0→255 step already gives a Sobel
 * magnitude of ~1000 at that pixel, which a max would report as a strong chunk.
 */
export function chunkScores(magnitude: Float32Array): number[] {
  checkImageLength(magnitude.length, 'gradient magnitude');
  const chunk = new Float32Array(CHUNK_PIXELS);
  return Array.from({ length: CHUNK_COUNT }, (_, p) => {
    copyChunk(magnitude, p, chunk);
    let sum = 0; // float64 accumulation: 784 float32 terms lose nothing
    for (let i = 0; i < CHUNK_PIXELS; i++) sum += chunk[i];
    return sum / CHUNK_PIXELS;
  });
}

export type FeatureSelection = {
  /** 16 entries, one per position: +(p+1) for a feature chunk, -(p+1) otherwise. */
  signedIndices: number[];
  /** True when no chunk beat the threshold and the fallback picked the features. */
  lowGradient: boolean;
};

/** Positions of the `count` best-scoring chunks (equal scores: lower position first). */
export function strongestChunks(scores: readonly number[], count: number): number[] {
  return scores
    .map((score, position) => ({ score, position }))
    .sort((a, b) => b.score - a.score || a.position - b.position)
    .slice(0, count)
    .map((c) => c.position);
}

/**
 * A chunk is a feature chunk when its score is strictly above the threshold. An image
 * whose feature chunks number fewer than `minChunks` has its strongest other chunks
 * added up to that count (equal scores: lower position first, so the choice is
 * deterministic). If no chunk beats the threshold the image is flagged lowGradient and
 * gets at least FALLBACK_FEATURE_CHUNKS, so callers can tell a real selection from a
 * forced one and the sealed tier always has something to classify.
 */
export function selectFeatureChunks(
  scores: readonly number[],
  threshold: number,
  minChunks: number,
): FeatureSelection {
  if (scores.length !== CHUNK_COUNT) {
    throw new RangeError(`expected ${CHUNK_COUNT} chunk scores, got ${scores.length}`);
  }
  if (scores.some((s) => !Number.isFinite(s))) {
    throw new RangeError('chunk scores must be finite numbers');
  }
  checkMinFeatureChunks(minChunks);
  const isFeature = scores.map((s) => s > threshold);
  const lowGradient = !isFeature.includes(true);
  const wanted = Math.max(minChunks, lowGradient ? FALLBACK_FEATURE_CHUNKS : 0);
  const missing = wanted - isFeature.filter(Boolean).length;
  if (missing > 0) {
    const others = scores.map((score, position) => (isFeature[position] ? -Infinity : score));
    for (const position of strongestChunks(others, missing)) isFeature[position] = true;
  }
  return {
    signedIndices: isFeature.map((feature, position) => signedChunkIndex(position, feature)),
    lowGradient,
  };
}

/** Throws unless `minChunks` is a whole number of chunks the grid holds (0..16). */
export function checkMinFeatureChunks(minChunks: number): void {
  if (!isMinFeatureChunks(minChunks)) {
    throw new RangeError(
      `minimum feature chunks must be a whole number from 0 to ${CHUNK_COUNT}, got ${String(minChunks)}`,
    );
  }
}
