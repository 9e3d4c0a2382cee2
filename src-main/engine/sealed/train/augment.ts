// The paper's training augmentation, applied to the 112×112 preprocessed image before
// it is cut into chunks: rotation ±15°, horizontal flip, translation ±10 %. One affine
// warp (bilinear, mirrored borders so the texture continues instead of a black
// wedge), rounded back to bytes like a stored chunk, then the feature chunks are
// selected again on the warped image exactly as import would.
import { IMAGE_SIZE } from '../../../../src-shared/domain/geometry.ts';
import { chunkEqualizedImage } from '../../image/index.ts';

export interface AugmentParams {
  /** Rotation in degrees (counter-clockwise). */
  readonly degrees: number;
  readonly flip: boolean;
  /** Translation in pixels. */
  readonly dx: number;
  readonly dy: number;
}

export const PAPER_AUGMENTATION = Object.freeze({
  maxDegrees: 15,
  /** Share of images rotated at all: every rotation interpolates, so some stay exact. */
  rotationProbability: 0.5,
  flipProbability: 0.5,
  maxShift: 0.1,
});

/**
 * Random warp parameters. Shifts are whole pixels and flips are exact, so only the
 * rotated images are resampled.
 */
export function randomAugmentParams(random: () => number, size = IMAGE_SIZE): AugmentParams {
  const { maxDegrees, rotationProbability, flipProbability, maxShift } = PAPER_AUGMENTATION;
  const degrees = (random() * 2 - 1) * maxDegrees;
  return {
    degrees: random() < rotationProbability ? degrees : 0,
    flip: random() < flipProbability,
    dx: Math.round((random() * 2 - 1) * maxShift * size),
    dy: Math.round((random() * 2 - 1) * maxShift * size),
  };
}

/** Mirror an out-of-range integer coordinate back into [0, n − 1] (reflect-101, repeated). */
function mirror(v: number, n: number): number {
  if (v >= 0 && v < n) return v;
  const period = 2 * (n - 1);
  let m = Math.abs(v) % period;
  if (m > n - 1) m = period - m;
  return m;
}

/** Keys' cubic convolution weights (a = −0.5) for a fractional offset t in [0, 1). */
function cubicWeights(t: number, out: Float64Array): void {
  // |x| ≤ 1: 1.5|x|³ − 2.5|x|² + 1;  1 < |x| < 2: −0.5|x|³ + 2.5|x|² − 4|x| + 2
  const near = (x: number) => (1.5 * x - 2.5) * x * x + 1;
  const far = (x: number) => ((-0.5 * x + 2.5) * x - 4) * x + 2;
  out[0] = far(1 + t);
  out[1] = near(t);
  out[2] = near(1 - t);
  out[3] = far(2 - t);
}

export type Interpolation = 'bilinear' | 'bicubic';

/** Mirrored border wide enough for ±15° and ±10 % shifts of a 112×112 image (and the taps). */
const PAD = 40;

/**
 * Warps a square row-major 8-bit image: output(x, y) = input(A⁻¹((x, y) − t)) around the
 * centre. Bicubic by default: bilinear interpolation low-passes the texture (a half-pixel
 * shift averages neighbours), so a net trained on bilinear warps learns blurred
 * surfaces that never occur in the un-warped images it will classify.
 */
export function warpImage(
  src: Uint8Array,
  params: AugmentParams,
  size = IMAGE_SIZE,
  interpolation: Interpolation = 'bicubic',
): Uint8Array {
  if (src.length !== size * size) throw new RangeError(`expected a ${size}×${size} image`);
  const side = size + 2 * PAD;
  const padded = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    const row = mirror(y - PAD, size) * size;
    for (let x = 0; x < side; x++) padded[y * side + x] = src[row + mirror(x - PAD, size)]!;
  }
  const out = new Uint8Array(size * size);
  const c = (size - 1) / 2;
  const theta = (params.degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const limit = side - 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x - c - params.dx;
      const v = y - c - params.dy;
      // inverse rotation, then the flip (its own inverse), in padded coordinates
      let sx = cos * u + sin * v + c;
      const sy = -sin * u + cos * v + c + PAD;
      sx = (params.flip ? size - 1 - sx : sx) + PAD;
      const x0 = Math.min(Math.max(Math.floor(sx), 1), limit);
      const y0 = Math.min(Math.max(Math.floor(sy), 1), limit);
      let value = 0;
      if (interpolation === 'bilinear') {
        const fx = sx - x0;
        const fy = sy - y0;
        const i = y0 * side + x0;
        const top = padded[i]! + (padded[i + 1]! - padded[i]!) * fx;
        const bottom = padded[i + side]! + (padded[i + side + 1]! - padded[i + side]!) * fx;
        value = top + (bottom - top) * fy;
      } else {
        cubicWeights(sx - x0, wx);
        cubicWeights(sy - y0, wy);
        let i = (y0 - 1) * side + x0 - 1;
        for (let j = 0; j < 4; j++, i += side) {
          const acc =
            wx[0]! * padded[i]! +
            wx[1]! * padded[i + 1]! +
            wx[2]! * padded[i + 2]! +
            wx[3]! * padded[i + 3]!;
          value += wy[j]! * acc;
        }
      }
      out[y * size + x] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
    }
  }
  return out;
}

export interface ChunkedImage {
  readonly chunks: Uint8Array[];
  readonly isFeature: boolean[];
}

/** Chunks and feature flags of a 112×112 image, computed by the import pipeline's code. */
export function chunkImage(
  pixels: Uint8Array,
  threshold: number,
  minFeatureChunks: number,
): ChunkedImage {
  const { chunks } = chunkEqualizedImage(pixels, threshold, minFeatureChunks);
  return { chunks: chunks.map((c) => c.pixels), isFeature: chunks.map((c) => c.isFeature) };
}

export function augmentImage(
  pixels: Uint8Array,
  random: () => number,
  threshold: number,
  minFeatureChunks: number,
): ChunkedImage {
  return chunkImage(warpImage(pixels, randomAugmentParams(random)), threshold, minFeatureChunks);
}
