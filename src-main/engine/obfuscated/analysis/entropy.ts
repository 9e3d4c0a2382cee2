// Histograms and Shannon entropy of 8-bit images, and what entropy to EXPECT.
//
// An image of n pixels drawn uniformly at random does not reach 8 bits: its empirical histogram
// of n samples over 256 values is itself noisy, so the plug-in entropy is biased low. Comparing
// an obfuscated image with 8 is therefore wrong for small images (64×64: 7.955, not 8); we
// compare with the exact expectation below.
import { chiSquareCritical } from './normal.ts';

export const GRAY_LEVELS = 256;

export function histogram256(
  pixels: Uint8Array,
  into = new Float64Array(GRAY_LEVELS),
): Float64Array {
  for (let i = 0; i < pixels.length; i++) into[pixels[i]!]!++;
  return into;
}

/** Shannon entropy in bits of the distribution given by histogram counts. */
export function entropyOfCounts(counts: ArrayLike<number>): number {
  let total = 0;
  for (let v = 0; v < counts.length; v++) total += counts[v]!;
  if (total === 0) throw new RangeError('entropy of an empty histogram');
  let h = 0;
  for (let v = 0; v < counts.length; v++) {
    const c = counts[v]!;
    if (c > 0) h -= (c / total) * Math.log2(c / total);
  }
  return h;
}

export function shannonEntropy(pixels: Uint8Array): number {
  return entropyOfCounts(histogram256(pixels));
}

/**
 * EXACT expected plug-in entropy of n i.i.d. uniform pixels over `levels` values:
 * E[H] = −levels · Σ_k P(c = k) · (k/n) · log2(k/n), c ~ Binomial(n, 1/levels) the count of one
 * value. The binomial pmf is built by its ratio recurrence outward from the mode and normalised
 * by its sum, so no log-gamma is needed; terms below 1e-30 of the mode's are dropped (their
 * contribution is < 1e-25 bits).
 */
export function expectedUniformEntropy(n: number, levels = GRAY_LEVELS): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('pixel count must be a whole number ≥ 1');
  const p = 1 / levels;
  const odds = p / (1 - p);
  const mode = Math.floor((n + 1) * p);
  const weights = new Map<number, number>([[mode, 1]]);
  for (let k = mode, w = 1; k < n; k++) {
    w *= ((n - k) / (k + 1)) * odds;
    if (w < 1e-30) break;
    weights.set(k + 1, w);
  }
  for (let k = mode, w = 1; k > 0; k--) {
    w *= k / (n - k + 1) / odds;
    if (w < 1e-30) break;
    weights.set(k - 1, w);
  }
  let total = 0;
  let sum = 0;
  for (const [k, w] of weights) {
    total += w;
    if (k > 0) sum += w * (k / n) * Math.log2(k / n);
  }
  return (-levels * sum) / total;
}

/** Miller–Madow approximation of the same: log2(levels) − (levels − 1)/(2 n ln 2). */
export function millerMadowUniformEntropy(n: number, levels = GRAY_LEVELS): number {
  return Math.log2(levels) - (levels - 1) / (2 * n * Math.LN2);
}

/** Pearson χ² of the histogram against the uniform distribution (255 degrees of freedom). */
export function chiSquareUniform(counts: ArrayLike<number>): number {
  let total = 0;
  for (let v = 0; v < counts.length; v++) total += counts[v]!;
  const expected = total / counts.length;
  let chi = 0;
  for (let v = 0; v < counts.length; v++) chi += (counts[v]! - expected) ** 2 / expected;
  return chi;
}

export interface EntropySummary {
  /** Mean over images of each image's entropy (bits). */
  readonly meanImageEntropy: number;
  readonly minImageEntropy: number;
  /** Entropy of the histogram pooled over all images. */
  readonly pooledEntropy: number;
  /** Expected entropy of one uniformly random image of this many pixels (exact). */
  readonly expectedRandomImageEntropy: number;
  /** Mean per-image χ² against uniform, and the share of images below the 5 % critical value. */
  readonly meanChiSquare: number;
  readonly chiSquareCritical05: number;
  readonly shareUniformAt05: number;
  /** Pooled histogram (256 counts), for the charts. */
  readonly pooledHistogram: number[];
}

export function summarizeEntropy(images: readonly Uint8Array[]): EntropySummary {
  if (images.length === 0) throw new RangeError('no images to summarise');
  const pixelsPerImage = images[0]!.length;
  const pooled = new Float64Array(GRAY_LEVELS);
  const critical = chiSquareCritical(GRAY_LEVELS - 1, 0.05);
  let sumH = 0;
  let minH = Infinity;
  let sumChi = 0;
  let uniform = 0;
  for (const img of images) {
    if (img.length !== pixelsPerImage) throw new RangeError('all images must have the same size');
    const counts = histogram256(img);
    const h = entropyOfCounts(counts);
    sumH += h;
    minH = Math.min(minH, h);
    const chi = chiSquareUniform(counts);
    sumChi += chi;
    if (chi < critical) uniform++;
    for (let v = 0; v < GRAY_LEVELS; v++) pooled[v]! += counts[v]!;
  }
  return {
    meanImageEntropy: sumH / images.length,
    minImageEntropy: minH,
    pooledEntropy: entropyOfCounts(pooled),
    expectedRandomImageEntropy: expectedUniformEntropy(pixelsPerImage),
    meanChiSquare: sumChi / images.length,
    chiSquareCritical05: critical,
    shareUniformAt05: uniform / images.length,
    pooledHistogram: Array.from(pooled),
  };
}
