// Decoded pixels → the 112×112 grayscale image every tier works on.

import sharp from 'sharp';
import type { KernelEnum } from 'sharp';
import { IMAGE_SIZE } from '../../../src-shared/domain/geometry.ts';
import type { DecodedImage } from './decode.ts';

/**
 * Resampling kernel for the resize to 112×112 (200×200 → 112×112 for NEU).
 *
 * Lanczos3 (sharp's default): like every sharp kernel it is widened by the
 * shrink factor, so the downscale is anti-aliased and does not fold fine texture
 * into moiré, which Sobel would then score as structure; and of the kernels
 * libvips offers it keeps the most of the fine, high-frequency texture (crazing,
 * pitting) that separates the NEU classes. Its ringing at this shrink is small:
 * a 50→200 step comes out as …50, 48, 58, 192, 202, 199, 200… (±2 levels).
 * (Checked: 1-pixel stripes 0/255 come out ≈127 with it, and as moiré bands of
 * 0 and 255 with 'nearest'.)
 *
 * The choice moves the chunk scores: over NEU-CLS (threshold 100) the share of
 * feature chunks is 0.65 with 'linear', 0.66 'mitchell', 0.71 'lanczos3', 0.74
 * 'nearest' (not anti-aliased). Changing it changes which chunks are sealed, so
 * it is a format decision, not a tuning knob.
 */
export const RESIZE_KERNEL: keyof KernelEnum = 'lanczos3';

/**
 * Luma from RGB with the ITU-R BT.601 weights Y = 0.299 R + 0.587 G + 0.114 B,
 * in OpenCV's fixed-point form (weights ×2^14, rounded), so the result equals
 * cv2.cvtColor(…, COLOR_RGB2GRAY) bit for bit. BT.601 rather than BT.709 because
 * that is what OpenCV and PIL use for "convert to gray", so images keep the gray
 * levels the usual Python reimplementations of such pipelines would give them.
 * We work on the stored (gamma-encoded) values, as they do. Alpha is ignored, not composited, as cv2.imread(…, IMREAD_GRAYSCALE)
 * does: transparent pixels count with whatever colour they store.
 */
export function lumaBt601(data: Uint8Array, pixelCount: number, channels: 3 | 4): Uint8Array {
  const gray = new Uint8Array(pixelCount);
  for (let p = 0, i = 0; p < pixelCount; p++, i += channels) {
    gray[p] = (data[i] * 4899 + data[i + 1] * 9617 + data[i + 2] * 1868 + 8192) >> 14;
  }
  return gray;
}

/**
 * Grayscale, then resize to 112×112 ignoring the aspect ratio (fill: the grid
 * must cover the whole picture, and letterbox bars would be flat chunks that
 * look like "no defect"). Returns 112*112 bytes, row-major.
 */
export async function toGrayscale112(decoded: DecodedImage): Promise<Uint8Array> {
  const { width, height, channels, data } = decoded;
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `decoded image has ${data.length} bytes, expected ${width}×${height}×${channels}`,
    );
  }
  const gray = channels === 1 ? data : lumaBt601(data, width * height, channels);
  if (width === IMAGE_SIZE && height === IMAGE_SIZE) return gray.slice();

  const resized = await sharp(gray, {
    raw: { width, height, channels: 1 },
    // The decoder already enforced the caller's pixel limit on this image.
    limitInputPixels: false,
  })
    .resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'fill', kernel: RESIZE_KERNEL })
    // Without this sharp's raw output is sRGB: three copies of the gray band.
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  if (resized.length !== IMAGE_SIZE * IMAGE_SIZE) {
    throw new Error(`resize produced ${resized.length} bytes, expected ${IMAGE_SIZE ** 2}`);
  }
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength);
}
