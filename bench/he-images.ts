// The NEU-CLS images the `he` benchmark classifies, chosen round-robin over the classes
// (so every subset is balanced), with their feature chunks as import selects them: the
// float64 network's scores on exactly those chunks are what the encrypted results must
// match, and the chunk counts are what the cost model predicts from.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { aggregateImage, forwardChunk } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import type { ChunkCnnWeights } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import { imagesPerClass } from '../test/helpers/fixtures.ts';
import { featureChunks } from '../test/helpers/models.ts';

export interface BenchImage {
  readonly label: string;
  readonly file: string;
  /** `label/file name`: the name classify reports for it. */
  readonly name: string;
  /** Feature chunks' pixels / 255, in stored order. */
  readonly chunks: readonly Float64Array[];
}

/** Up to `perClass` images of each class in round-robin order, with their feature chunks. */
export async function benchImages(dataDir: string, perClass: number): Promise<BenchImage[]> {
  const byClass = new Map<string, Array<{ label: string; file: string }>>();
  for (const image of await imagesPerClass(dataDir, perClass))
    byClass.set(image.label, [...(byClass.get(image.label) ?? []), image]);
  const order = Array.from({ length: perClass }, (_, i) =>
    [...byClass.values()].flatMap((list) => (list[i] ? [list[i]] : [])),
  ).flat();
  const chunks = await featureChunks(order.map((image) => image.file));
  const images = order.map(({ label, file }, i) => ({
    label,
    file,
    name: `${label}/${path.basename(file)}`,
    chunks: chunks[i]!,
  }));
  return images;
}

/** The first images of the list whose feature chunks add up to at most `chunkBudget`. */
export function withinChunks(images: readonly BenchImage[], chunkBudget: number): BenchImage[] {
  const chosen: BenchImage[] = [];
  let chunks = 0;
  for (const image of images) {
    if (chunks + image.chunks.length > chunkBudget) break;
    chunks += image.chunks.length;
    chosen.push(image);
  }
  return chosen;
}

export function chunkCount(images: readonly BenchImage[]): number {
  return images.reduce((n, image) => n + image.chunks.length, 0);
}

/** Copies the images into `folder/<label>/` for import with labels from folders. */
export async function writeLabelledFolder(folder: string, images: readonly BenchImage[]) {
  for (const { label, file } of images) {
    await mkdir(path.join(folder, label), { recursive: true });
    await copyFile(file, path.join(folder, label, path.basename(file)));
  }
}

/** The float64 network's image scores (sum of its chunks' scores), per image name. */
export function plaintextScores(
  weights: ChunkCnnWeights,
  images: readonly BenchImage[],
): Map<string, Float64Array> {
  return new Map(
    images.map((image) => [
      image.name,
      aggregateImage(image.chunks.map((c) => forwardChunk(weights, c).scores)),
    ]),
  );
}
