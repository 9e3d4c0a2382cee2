import { describe, expect, it } from 'vitest';
import { chunkScores, cutChunks, selectFeatureChunks } from './chunks.ts';

// Pixel (y, x) belongs to chunk p = 4·floor(y/28) + floor(x/28) at local (r, c) =
// (y % 28, x % 28). Encode both in one byte: 16·p + (28r + c) % 16. A wrong chunk
// shows in the high nibble; a transposed or shifted chunk in the low one.
const chunkOf = (y: number, x: number) => 4 * Math.floor(y / 28) + Math.floor(x / 28);
const encoded = (y: number, x: number) => 16 * chunkOf(y, x) + ((28 * (y % 28) + (x % 28)) % 16);

describe('cutChunks', () => {
  const img = Uint8Array.from({ length: 112 * 112 }, (_, i) =>
    encoded(Math.floor(i / 112), i % 112),
  );
  const chunks = cutChunks(img);

  it('returns 16 chunks of 784 pixels', () => {
    expect(chunks).toHaveLength(16);
    for (const chunk of chunks) expect(chunk).toHaveLength(784);
  });

  it('orders chunks row-major and each chunk row-major', () => {
    chunks.forEach((chunk, p) => {
      expect([...chunk]).toEqual(Array.from({ length: 784 }, (_, i) => 16 * p + (i % 16)));
    });
  });

  it('places the corners where the grid says (spot checks by coordinates)', () => {
    // Chunk 6 is grid row 1, column 2: image rows 28..55, columns 56..83.
    expect(chunks[6][0]).toBe(img[28 * 112 + 56]);
    expect(chunks[6][27]).toBe(img[28 * 112 + 83]);
    expect(chunks[6][783]).toBe(img[55 * 112 + 83]);
    // Chunk 15 ends at the image's last pixel.
    expect(chunks[15][783]).toBe(img[112 * 112 - 1]);
  });

  it('copies: chunks do not alias the image', () => {
    const copy = cutChunks(img);
    copy[0][0] = 255;
    expect(img[0]).toBe(encoded(0, 0));
  });

  it('rejects anything but 112×112', () => {
    expect(() => cutChunks(new Uint8Array(100))).toThrow(RangeError);
  });
});

describe('chunkScores', () => {
  it('is the mean over each chunk', () => {
    const magnitude = new Float32Array(112 * 112);
    for (let i = 0; i < magnitude.length; i++) {
      const y = Math.floor(i / 112);
      const x = i % 112;
      magnitude[i] = 10 * chunkOf(y, x) + (x % 2); // chunk p: half 10p, half 10p + 1
    }
    expect(chunkScores(magnitude)).toEqual(Array.from({ length: 16 }, (_, p) => 10 * p + 0.5));
  });

  it('one hot pixel barely moves the mean (1000 / 784 ≈ 1.28)', () => {
    const magnitude = new Float32Array(112 * 112);
    magnitude[30 * 112 + 30] = 1000; // inside chunk 5
    const scores = chunkScores(magnitude);
    expect(scores[5]).toBeCloseTo(1000 / 784, 10);
    expect(scores.filter((s) => s !== 0)).toHaveLength(1);
  });
});

describe('selectFeatureChunks', () => {
  it('features are the chunks strictly above the threshold', () => {
    const scores = [5, 150, 100, 100.01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 250];
    expect(selectFeatureChunks(scores, 100, 0)).toEqual({
      signedIndices: [-1, 2, -3, 4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, 16],
      lowGradient: false,
    });
  });

  it('falls back to the 4 strongest when none is above, ties to the lower position', () => {
    // Ranking: 90 (pos 7), 85 (pos 3), then 80 at positions 2, 9 and 12, 70 at 0.
    // Four are needed: 7, 3, and two of the three 80s — the lower positions 2 and 9.
    const scores = [70, 10, 80, 85, 10, 10, 10, 90, 10, 80, 10, 10, 80, 10, 10, 10];
    expect(selectFeatureChunks(scores, 100, 0)).toEqual({
      signedIndices: [-1, -2, 3, 4, -5, -6, -7, 8, -9, 10, -11, -12, -13, -14, -15, -16],
      lowGradient: true,
    });
    // With five chunks tied at the top, the four lowest positions win.
    const flat = Array<number>(16).fill(3);
    expect(selectFeatureChunks(flat, 100, 0).signedIndices.filter((s) => s > 0)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('threshold 0 makes every chunk with any gradient a feature', () => {
    const scores = [0, ...Array<number>(15).fill(0.5)];
    const { signedIndices, lowGradient } = selectFeatureChunks(scores, 0, 0);
    expect(lowGradient).toBe(false);
    expect(signedIndices).toEqual([-1, ...Array.from({ length: 15 }, (_, i) => i + 2)]);
  });

  it('rejects a wrong number of scores or non-finite scores', () => {
    expect(() => selectFeatureChunks([1, 2, 3], 100, 0)).toThrow(RangeError);
    expect(() => selectFeatureChunks(Array<number>(16).fill(Number.NaN), 100, 0)).toThrow(
      RangeError,
    );
  });

  it('tops an image up to the minimum with its strongest other chunks', () => {
    // Two chunks beat 100; a minimum of 5 adds the three strongest others: 90 (pos 7),
    // 85 (pos 3) and the first of the tied 80s (pos 2).
    const scores = [70, 150, 80, 85, 10, 10, 10, 90, 10, 80, 10, 10, 80, 10, 10, 200];
    const { signedIndices, lowGradient } = selectFeatureChunks(scores, 100, 5);
    expect(lowGradient).toBe(false);
    expect(signedIndices.filter((s) => s > 0)).toEqual([2, 3, 4, 8, 16]);
    // Enough over the threshold already: the minimum adds nothing.
    expect(selectFeatureChunks(scores, 50, 5).signedIndices.filter((s) => s > 0)).toHaveLength(8);
    // A minimum below the fallback still gets the fallback's four when none is above.
    const low = scores.map((s) => s / 10);
    const fallback = selectFeatureChunks(low, 100, 1);
    expect(fallback.lowGradient).toBe(true);
    expect(fallback.signedIndices.filter((s) => s > 0)).toHaveLength(4);
    expect(selectFeatureChunks(low, 100, 16).signedIndices.every((s) => s > 0)).toBe(true);
  });

  it('rejects a minimum that is not a whole number of chunks from 0 to 16', () => {
    const scores = Array<number>(16).fill(1);
    for (const bad of [-1, 17, 2.5, Number.NaN])
      expect(() => selectFeatureChunks(scores, 100, bad)).toThrow(/minimum feature chunks/);
  });
});
