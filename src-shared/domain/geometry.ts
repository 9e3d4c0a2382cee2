// The image geometry every tier agrees on (the paper's pipeline): a 112×112
// grayscale image cut into a 4×4 grid of 28×28 chunks, numbered row-major.

export const IMAGE_SIZE = 112;
export const CHUNK_SIZE = 28;
export const CHUNKS_PER_SIDE = IMAGE_SIZE / CHUNK_SIZE; // 4
export const CHUNK_COUNT = CHUNKS_PER_SIDE * CHUNKS_PER_SIDE; // 16
export const CHUNK_PIXELS = CHUNK_SIZE * CHUNK_SIZE; // 784

/** Sobel score above which a chunk is a feature chunk (the paper's default). */
export const DEFAULT_FEATURE_THRESHOLD = 100;

/**
 * When no chunk of an image scores above the threshold, its strongest chunks are
 * still used so that the sealed tier has something to classify. Four is a quarter
 * of the grid: enough signal for the chunk classifier, still under half the image.
 */
export const FALLBACK_FEATURE_CHUNKS = 4;

/**
 * Every image gets at least this many feature chunks: when fewer beat the threshold,
 * its strongest remaining chunks join them. Measured on NEU-CLS (docs/experiments/sealed-tier-accuracy.md):
 * images with 1–5 feature chunks are a fifth of the images but 40–60 % of the sealed
 * model's errors, and a minimum of 12 adds 0.8–1.5 points of image accuracy (8 helps
 * less, all 16 hurts). The cost is HE work on the added chunks only. 0 = threshold
 * alone (then FALLBACK_FEATURE_CHUNKS applies when no chunk beats it).
 */
export const DEFAULT_MIN_FEATURE_CHUNKS = 12;

/** A minimum of feature chunks is a whole number of chunks the grid holds (0..16). */
export function isMinFeatureChunks(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= CHUNK_COUNT;
}

/**
 * The paper marks feature chunks with positive indices and the others with negative
 * ones. Position 0 has no sign, so indices are 1-based: position p (0..15) becomes
 * +(p+1) for a feature chunk and -(p+1) otherwise.
 */
export function signedChunkIndex(position: number, isFeature: boolean): number {
  if (!Number.isInteger(position) || position < 0 || position >= CHUNK_COUNT) {
    throw new RangeError(`chunk position ${position} is outside 0..${CHUNK_COUNT - 1}`);
  }
  return isFeature ? position + 1 : -(position + 1);
}

export function chunkPositionOf(signedIndex: number): number {
  const position = Math.abs(signedIndex) - 1;
  if (!Number.isInteger(signedIndex) || position < 0 || position >= CHUNK_COUNT) {
    throw new RangeError(`${signedIndex} is not a signed chunk index (±1..±${CHUNK_COUNT})`);
  }
  return position;
}

export function isFeatureIndex(signedIndex: number): boolean {
  chunkPositionOf(signedIndex);
  return signedIndex > 0;
}
