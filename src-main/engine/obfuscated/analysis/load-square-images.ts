// Images of a folder → N×N grayscale squares, the form the obfuscated tier works on: decoded by
// the image pipeline (decodeImage, with its checks and pixel limit), BT.601 luma, resized to
// N×N with the pipeline's kernel, aspect ignored. Undecodable files are reported, not fatal.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { walkFiles } from '../../fs/walk-files.ts';
import {
  decodeImage,
  hasImageExtension,
  ImageDecodeError,
  lumaBt601,
  RESIZE_KERNEL,
} from '../../image/index.ts';

export interface SquareImages {
  readonly size: number;
  readonly images: Uint8Array[];
  readonly names: string[];
  readonly failed: { file: string; reason: string }[];
}

export async function toGraySquare(
  bytes: Uint8Array,
  label: string,
  size: number,
): Promise<Uint8Array> {
  const { width, height, channels, data } = await decodeImage(bytes, label);
  const gray = channels === 1 ? data : lumaBt601(data, width * height, channels);
  if (width === size && height === size) return Uint8Array.from(gray);
  const out = await sharp(gray, { raw: { width, height, channels: 1 }, limitInputPixels: false })
    .resize(size, size, { fit: 'fill', kernel: RESIZE_KERNEL })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  if (out.length !== size * size) throw new Error(`${label}: resize gave ${out.length} bytes`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Loads the images under `folder` (recursively, sorted by path). `limit` keeps the first `limit`
 * images of each sub-folder (a balanced subset) when given.
 */
export async function loadSquareImages(
  folder: string,
  size: number,
  options: { limitPerFolder?: number } = {},
): Promise<SquareImages> {
  const images: Uint8Array[] = [];
  const names: string[] = [];
  const failed: { file: string; reason: string }[] = [];
  const perFolder = new Map<string, number>();
  // The analysed folder is the user's own (often links into a data set); nothing read
  // here is stored, so links are followed (import, which stores, keeps to the folder).
  for await (const file of walkFiles(folder, { followSymlinks: true })) {
    if (!hasImageExtension(file.relativePath)) continue;
    const dir = file.relativePath.includes('/') ? file.relativePath.replace(/\/[^/]*$/, '') : '';
    const taken = perFolder.get(dir) ?? 0;
    if (options.limitPerFolder !== undefined && taken >= options.limitPerFolder) continue;
    try {
      images.push(await toGraySquare(await readFile(file.absolutePath), file.relativePath, size));
      names.push(file.relativePath);
      perFolder.set(dir, taken + 1);
    } catch (error) {
      failed.push({
        file: file.relativePath,
        reason:
          error instanceof ImageDecodeError
            ? error.reason
            : error instanceof Error
              ? error.message
              : String(error),
      });
    }
  }
  return { size, images, names, failed };
}
