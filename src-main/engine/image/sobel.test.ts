import { describe, expect, it } from 'vitest';
import { reflect101, sobelMagnitude } from './sobel.ts';

const rows = (...r: number[][]) => ({
  img: Uint8Array.from(r.flat()),
  width: r[0].length,
  height: r.length,
});

function magnitudes(img: Uint8Array, width: number, height: number): number[][] {
  const g = sobelMagnitude(img, width, height);
  return Array.from({ length: height }, (_, y) => [...g.subarray(y * width, (y + 1) * width)]);
}

describe('reflect101', () => {
  it('mirrors around the edge pixel without repeating it (dcb|abcd|cba)', () => {
    expect([-3, -2, -1, 0, 3, 4, 5, 6].map((i) => reflect101(i, 4))).toEqual([
      3, 2, 1, 0, 3, 2, 1, 0,
    ]);
    expect(reflect101(-1, 1)).toBe(0);
  });
});

describe('sobelMagnitude', () => {
  it('vertical edge on a 5×5 image, hand-computed', () => {
    // Every row is 10 10 10 10 50: an edge at the right border.
    // Rows are identical, so Gy = 0 everywhere, and Gx = (1+2+1)·(I[x+1] − I[x−1]):
    //   x=0: reflect-101 → I[1] − I[1] = 0              → 0
    //   x=1: I[2] − I[0] = 0                            → 0
    //   x=2: I[3] − I[1] = 0                            → 0
    //   x=3: I[4] − I[2] = 40                           → 4·40 = 160
    //   x=4 (border): right neighbour I[5] reflects to I[3], so I[3] − I[3] = 0 → 0
    //        (a replicate border would read I[4] and give 4·(50 − 10) = 160 here).
    const row = [10, 10, 10, 10, 50];
    const { img, width, height } = rows(row, row, row, row, row);
    const expected = [0, 0, 0, 160, 0];
    expect(magnitudes(img, width, height)).toEqual([
      expected,
      expected,
      expected,
      expected,
      expected,
    ]);
  });

  it('ramp on a 4×4 image: Gx and Gy together, with borders', () => {
    // I(y, x) = 4y + x + 1. Interior: Gx = 4·(I[x+1] − I[x−1]) = 4·2 = 8,
    // Gy = 4·(I[y+1] − I[y−1]) = 4·8 = 32, so G = √(8² + 32²) = √1088 ≈ 32.985.
    // Column 0/3 and row 0/3 are borders: reflect-101 makes the two neighbours
    // across them equal, so that component is 0 there:
    //   (0,1): Gx = 8, Gy = 0 → 8.  Full check of pixel (0,1): up row reflects to row 1,
    //          a..i = 5 6 7 / 1 _ 3 / 5 6 7 → Gx = (7+2·3+7) − (5+2·1+5) = 20 − 12 = 8,
    //          Gy = (5+2·6+7) − (5+2·6+7) = 0. (Replicate would give Gy = 16, G ≈ 17.9.)
    //   (1,0): Gx = 0, Gy = 32 → 32.   Corners: 0.
    const { img, width, height } = rows(
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15, 16],
    );
    const d = Math.fround(Math.sqrt(1088));
    expect(magnitudes(img, width, height)).toEqual([
      [0, 8, 8, 0],
      [32, d, d, 32],
      [32, d, d, 32],
      [0, 8, 8, 0],
    ]);
  });

  it('reaches across chunk borders: the magnitude at x=27 sees column 28', () => {
    // 112 wide: columns < 28 are 0, columns ≥ 28 are 100. Pixel x=27 is the last
    // column of chunk 0 and must see the step; computing per chunk would not.
    const img = Uint8Array.from({ length: 112 * 112 }, (_, i) => (i % 112 >= 28 ? 100 : 0));
    const g = sobelMagnitude(img, 112, 112);
    expect(g[50 * 112 + 27]).toBe(400);
    expect(g[50 * 112 + 28]).toBe(400);
    expect(g[50 * 112 + 26]).toBe(0);
  });

  it('rejects a size that does not match the data', () => {
    expect(() => sobelMagnitude(new Uint8Array(10), 4, 4)).toThrow(RangeError);
    expect(() => sobelMagnitude(new Uint8Array(0), 0, 0)).toThrow(RangeError);
  });
});
