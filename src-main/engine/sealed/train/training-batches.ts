// Mini-batches for the chunk CNN, built from whole images so both losses can be
// computed: the chunk loss (each chunk labelled with its image's class) and the image
// loss on the summed feature-chunk scores (what the encrypted engine argmaxes).
import { CHUNK_PIXELS } from '../../../../src-shared/domain/geometry.ts';
import { augmentImage } from './augment.ts';

export type TrainChunks = 'all' | 'feature';

export interface BatchImage {
  readonly classIndex: number;
  readonly pixels: Uint8Array;
  readonly chunks: readonly Uint8Array[];
  readonly isFeature: readonly boolean[];
}

export interface ChunkBatch {
  /** [chunks, 28, 28, 1] as p/255. */
  readonly pixels: Float32Array;
  readonly chunkCount: number;
  /** One-hot [chunks, classes]. */
  readonly chunkLabels: Float32Array;
  /** [images, chunks]: 1 where the chunk is one of the image's feature chunks. */
  readonly membership: Float32Array;
  /** One-hot [images, classes]. */
  readonly imageLabels: Float32Array;
  readonly imageCount: number;
}

export interface BatchOptions {
  readonly classes: number;
  readonly trainChunks: TrainChunks;
  /** Warp each image with the paper's augmentation (needs `random`). */
  readonly augment: boolean;
  readonly threshold: number;
  readonly minFeatureChunks: number;
  readonly random: () => number;
}

export function buildBatch(images: readonly BatchImage[], options: BatchOptions): ChunkBatch {
  const chosen: Array<{ chunk: Uint8Array; image: number; feature: boolean }> = [];
  images.forEach((image, n) => {
    const view = options.augment
      ? augmentImage(image.pixels, options.random, options.threshold, options.minFeatureChunks)
      : image;
    view.chunks.forEach((chunk, p) => {
      const feature = view.isFeature[p]!;
      if (feature || options.trainChunks === 'all') chosen.push({ chunk, image: n, feature });
    });
  });
  const k = options.classes;
  const pixels = new Float32Array(chosen.length * CHUNK_PIXELS);
  const chunkLabels = new Float32Array(chosen.length * k);
  const membership = new Float32Array(images.length * chosen.length);
  chosen.forEach(({ chunk, image, feature }, j) => {
    for (let i = 0; i < CHUNK_PIXELS; i++) pixels[j * CHUNK_PIXELS + i] = chunk[i]! / 255;
    chunkLabels[j * k + images[image]!.classIndex] = 1;
    if (feature) membership[image * chosen.length + j] = 1;
  });
  const imageLabels = new Float32Array(images.length * k);
  images.forEach((image, n) => (imageLabels[n * k + image.classIndex] = 1));
  return {
    pixels,
    chunkCount: chosen.length,
    chunkLabels,
    membership,
    imageLabels,
    imageCount: images.length,
  };
}

/** All 16 chunks of every image, as p/255, for scoring ([images·16, 28, 28, 1]). */
export function stackChunks(
  images: ReadonlyArray<{ chunks: readonly Uint8Array[] }>,
): Float32Array {
  const out = new Float32Array(images.length * 16 * CHUNK_PIXELS);
  let offset = 0;
  for (const image of images) {
    for (const chunk of image.chunks) {
      for (let i = 0; i < CHUNK_PIXELS; i++) out[offset + i] = chunk[i]! / 255;
      offset += CHUNK_PIXELS;
    }
  }
  return out;
}
