// Decompression-bomb guard. A 100 KB PNG can declare 30000×30000 pixels and make
// the decoder allocate 2.7 GB; a vault that imports whole folders of untrusted
// files must refuse that from the header alone, before a single pixel is decoded.

/** 50 megapixels: far above any camera or scanner image we expect (NEU is 0.04 MP). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export function validateMaxPixels(maxPixels: number): number {
  if (!Number.isFinite(maxPixels) || maxPixels < 1) {
    throw new RangeError(`maxPixels must be a finite number >= 1, got ${maxPixels}`);
  }
  // sharp's limitInputPixels wants an integer pixel count.
  return Math.floor(maxPixels);
}

function describeCount(pixels: number): string {
  return pixels >= 100_000 ? `${(pixels / 1e6).toFixed(1)} MP` : `${pixels} pixels`;
}

function describeLimit(pixels: number): string {
  if (pixels < 100_000) return `${pixels}-pixel`;
  return `${(pixels / 1e6).toFixed(1).replace(/\.0$/, '')} MP`;
}

/** The refusal reason when width×height exceeds maxPixels, else null. */
export function pixelLimitProblem(width: number, height: number, maxPixels: number): string | null {
  const pixels = width * height;
  if (pixels <= maxPixels) return null;
  return (
    `image is ${width}×${height} (${describeCount(pixels)}), above the ` +
    `${describeLimit(maxPixels)} limit (decompression-bomb guard)`
  );
}
