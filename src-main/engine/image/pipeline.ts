// File bytes → the equalised 112×112 image, its 16 chunks and which of them are
// feature chunks: everything the vault needs to split an image between tiers.

import {
  CHUNK_COUNT,
  DEFAULT_FEATURE_THRESHOLD,
  DEFAULT_MIN_FEATURE_CHUNKS,
  IMAGE_SIZE,
} from '../../../src-shared/domain/geometry.ts';
import { checkMinFeatureChunks, chunkScores, cutChunks, selectFeatureChunks } from './chunks.ts';
import { decodeImage } from './decode.ts';
import { ImageDecodeError, errorDetail } from './decode-error.ts';
import { equalizeHistogram } from './equalize.ts';
import type { ImageFormat } from './formats.ts';
import { toGrayscale112 } from './preprocess.ts';
import { sobelMagnitude } from './sobel.ts';

export type ProcessOptions = {
  /** Chunk score (mean Sobel magnitude) a chunk must exceed to be a feature chunk. */
  threshold?: number;
  /** Fewer feature chunks than this: the strongest others join (DEFAULT_MIN_FEATURE_CHUNKS). */
  minFeatureChunks?: number;
  /** Decompression-bomb guard, see decodeImage. */
  maxPixels?: number;
};

export type ProcessedChunk = {
  /** 0..15, row-major in the 4×4 grid. */
  position: number;
  /** +(position+1) for a feature chunk, -(position+1) otherwise. */
  signedIndex: number;
  /** Mean Sobel magnitude over the chunk (computed on the whole image). */
  score: number;
  isFeature: boolean;
  /** 28×28 equalised pixels, row-major (a copy, not a view of `pixels`). */
  pixels: Uint8Array;
};

export type ProcessedImage = {
  format: ImageFormat;
  /** Size of the original image (after EXIF orientation). */
  width: number;
  height: number;
  /** 112×112 equalised grayscale, row-major. */
  pixels: Uint8Array;
  chunks: ProcessedChunk[];
  /** No chunk exceeded the threshold; the features are the fallback's strongest chunks. */
  lowGradient: boolean;
  threshold: number;
  minFeatureChunks: number;
};

/**
 * The equalised 112×112 image's 16 chunks with their gradient scores and the feature
 * selection: the part of the pipeline training re-runs on each augmented image.
 */
export function chunkEqualizedImage(
  pixels: Uint8Array,
  threshold: number,
  minFeatureChunks: number,
): { chunks: ProcessedChunk[]; lowGradient: boolean } {
  const scores = chunkScores(sobelMagnitude(pixels, IMAGE_SIZE, IMAGE_SIZE));
  const { signedIndices, lowGradient } = selectFeatureChunks(scores, threshold, minFeatureChunks);
  const chunkPixels = cutChunks(pixels);
  const chunks: ProcessedChunk[] = [];
  for (let position = 0; position < CHUNK_COUNT; position++) {
    const signedIndex = signedIndices[position];
    chunks.push({
      position,
      signedIndex,
      score: scores[position],
      isFeature: signedIndex > 0,
      pixels: chunkPixels[position],
    });
  }
  return { chunks, lowGradient };
}

export async function processImage(
  bytes: Uint8Array,
  label: string,
  opts: ProcessOptions = {},
): Promise<ProcessedImage> {
  const threshold = opts.threshold ?? DEFAULT_FEATURE_THRESHOLD;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
    throw new RangeError(`threshold must be a finite number >= 0, got ${String(threshold)}`);
  }
  const minFeatureChunks = opts.minFeatureChunks ?? DEFAULT_MIN_FEATURE_CHUNKS;
  checkMinFeatureChunks(minFeatureChunks);
  const decoded = await decodeImage(
    bytes,
    label,
    opts.maxPixels === undefined ? {} : { maxPixels: opts.maxPixels },
  );

  let gray: Uint8Array;
  try {
    gray = await toGrayscale112(decoded);
  } catch (error) {
    // Should not happen for a decoded image, but never let a bare sharp error out.
    throw new ImageDecodeError(label, `could not resize the image (${errorDetail(error)})`, {
      cause: error,
    });
  }

  // Sobel runs on the equalised image: the threshold is meant for contrast-
  // normalised pixels, so a dim photo and a bright one of the same surface score alike.
  const pixels = equalizeHistogram(gray);
  const { chunks, lowGradient } = chunkEqualizedImage(pixels, threshold, minFeatureChunks);
  return {
    format: decoded.format,
    width: decoded.width,
    height: decoded.height,
    pixels,
    chunks,
    lowGradient,
    threshold,
    minFeatureChunks,
  };
}
