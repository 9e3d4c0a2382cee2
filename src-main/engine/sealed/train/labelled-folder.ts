// A labelled image folder for training: <root>/<class>/…/*.ext, every image run through
// the SAME pipeline as import (processImage), a content hash per file, a data hash
// over the set (the split into training and validation is ml/split-images.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { walkFiles } from '../../fs/walk-files.ts';
import { hasImageExtension, processImage } from '../../image/index.ts';
import { DEFAULT_MIN_FEATURE_CHUNKS } from '../../../../src-shared/domain/geometry.ts';

export interface LabelledImage {
  /** Path relative to the root, forward slashes. */
  readonly name: string;
  readonly classIndex: number;
  /** SHA-256 of the file's bytes, hex. */
  readonly hash: string;
  /** 112×112 equalised pixels (the import pipeline's output). */
  readonly pixels: Uint8Array;
  /** 16 chunks of 784 pixels, row-major grid order. */
  readonly chunks: readonly Uint8Array[];
  /** Which of the 16 chunks are feature chunks under the folder's threshold and minimum. */
  readonly isFeature: readonly boolean[];
  /** The 16 chunks' gradient scores (mean Sobel magnitude), to re-select at another threshold. */
  readonly scores?: readonly number[];
}

export interface LabelledFolder {
  readonly classes: readonly string[];
  readonly images: readonly LabelledImage[];
  /** SHA-256 over the sorted list of "<file hash> <class>" lines. */
  readonly dataHash: string;
  readonly threshold: number;
  readonly minFeatureChunks: number;
  readonly failed: ReadonlyArray<{ name: string; reason: string }>;
}

export interface LoadFolderOptions {
  readonly threshold?: number;
  /** Minimum feature chunks per image (DEFAULT_MIN_FEATURE_CHUNKS). */
  readonly minFeatureChunks?: number;
  /** Class order; by default the sub-folder names, sorted. */
  readonly classes?: readonly string[];
  readonly onProgress?: (done: number, total: number) => void;
}

export async function loadLabelledFolder(
  root: string,
  options: LoadFolderOptions = {},
): Promise<LabelledFolder> {
  const threshold = options.threshold ?? 100;
  const minFeatureChunks = options.minFeatureChunks ?? DEFAULT_MIN_FEATURE_CHUNKS;
  const files: Array<{ absolutePath: string; name: string; label: string }> = [];
  // A training or evaluation folder is the user's own working copy — often a tree of
  // symbolic links into a data set — and nothing read from it is stored in a vault, so
  // links are followed here (import, which stores, keeps to the folder).
  for await (const file of walkFiles(root, { followSymlinks: true })) {
    const segments = file.relativePath.split('/');
    if (segments.length < 2 || !hasImageExtension(file.relativePath)) continue;
    files.push({ absolutePath: file.absolutePath, name: file.relativePath, label: segments[0]! });
  }
  const labels = [...new Set(files.map((f) => f.label))].sort();
  const classes = options.classes ? [...options.classes] : labels;
  const unknown = labels.filter((l) => !classes.includes(l));
  if (unknown.length > 0) throw new Error(`${root}: folders ${unknown.join(', ')} are not classes`);
  if (labels.length < 2) throw new Error(`${root}: needs at least two class sub-folders`);

  const images: LabelledImage[] = [];
  const failed: Array<{ name: string; reason: string }> = [];
  for (const [done, file] of files.entries()) {
    try {
      const bytes = await readFile(file.absolutePath);
      const processed = await processImage(bytes, file.name, { threshold, minFeatureChunks });
      images.push({
        name: file.name,
        classIndex: classes.indexOf(file.label),
        hash: createHash('sha256').update(bytes).digest('hex'),
        pixels: processed.pixels,
        chunks: processed.chunks.map((c) => c.pixels),
        isFeature: processed.chunks.map((c) => c.isFeature),
        scores: processed.chunks.map((c) => c.score),
      });
    } catch (error) {
      failed.push({
        name: file.name,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    options.onProgress?.(done + 1, files.length);
  }
  const lines = images.map((img) => `${img.hash} ${classes[img.classIndex]}`).sort();
  const dataHash = createHash('sha256').update(lines.join('\n')).digest('hex');
  return { classes, images, dataHash, threshold, minFeatureChunks, failed };
}
