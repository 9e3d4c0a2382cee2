import { describe, expect, it } from 'vitest';
import { equalizeHistogram } from './equalize.ts';

/** An image with count[v] pixels of each value v, in increasing order. */
function fromHistogram(counts: Record<number, number>): Uint8Array {
  return Uint8Array.from(
    Object.entries(counts).flatMap(([v, n]) => Array<number>(n).fill(Number(v))),
  );
}

/** The output value of each distinct input value (i.e. the LUT on the values present). */
function lutOf(input: Uint8Array, output: Uint8Array): Record<number, number> {
  const lut: Record<number, number> = {};
  input.forEach((v, i) => {
    expect(lut[v] ?? output[i]).toBe(output[i]); // one input value → one output value
    lut[v] = output[i];
  });
  return lut;
}

describe('equalizeHistogram', () => {
  it('maps a hand-made histogram through the OpenCV LUT', () => {
    // h(50)=3, h(100)=2, h(150)=1, h(200)=2; N=8.
    // cdf: 50→3, 100→5, 150→6, 200→8; cdfMin = 3, N - cdfMin = 5.
    // lut[v] = round((cdf[v] - 3) * 255 / 5) = round((cdf[v] - 3) * 51):
    //   50 → 0, 100 → 2*51 = 102, 150 → 3*51 = 153, 200 → 5*51 = 255.
    const img = fromHistogram({ 50: 3, 100: 2, 150: 1, 200: 2 });
    expect(lutOf(img, equalizeHistogram(img))).toEqual({ 50: 0, 100: 102, 150: 153, 200: 255 });
  });

  it('rounds like OpenCV on non-integer levels, ties half to even', () => {
    // h(10)=1, h(20)=1, h(30)=1, h(40)=3, h(60)=1; N=7, cdfMin=1, N-cdfMin=6 → step 42.5.
    //   20: 1*42.5 = 42.5  → 42 (tie, even; Math.round would give 43)
    //   30: 2*42.5 = 85    → 85
    //   40: 5*42.5 = 212.5 → 212 (tie, even)
    //   60: 6*42.5 = 255   → 255
    const img = fromHistogram({ 10: 1, 20: 1, 30: 1, 40: 3, 60: 1 });
    expect(lutOf(img, equalizeHistogram(img))).toEqual({ 10: 0, 20: 42, 30: 85, 40: 212, 60: 255 });
    // 3 levels over N-cdfMin = 3 pixels: 255/3 = 85 exactly.
    const even = fromHistogram({ 7: 1, 8: 1, 9: 1, 250: 1 });
    expect(lutOf(even, equalizeHistogram(even))).toEqual({ 7: 0, 8: 85, 9: 170, 250: 255 });
  });

  it('keeps pixel positions: only values change', () => {
    const img = Uint8Array.from([200, 50, 100, 50]);
    // h(50)=2, h(100)=1, h(200)=1; cdfMin=2, N-cdfMin=2: 100 → 127.5 → 128 (tie, even), 200 → 255
    expect([...equalizeHistogram(img)]).toEqual([255, 0, 128, 0]);
  });

  it('leaves a constant image unchanged (no contrast to stretch)', () => {
    const img = new Uint8Array(100).fill(77);
    const out = equalizeHistogram(img);
    expect([...out]).toEqual([...img]);
    expect(out).not.toBe(img); // a copy, never the caller's buffer
  });

  it('stretches any image with two or more levels to span 0..255', () => {
    const img = Uint8Array.from({ length: 1000 }, (_, i) => 100 + (i % 7));
    const out = equalizeHistogram(img);
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBe(255);
  });

  it('is monotonic: a brighter input never maps darker', () => {
    const img = Uint8Array.from({ length: 5000 }, (_, i) => (i * i * 31) % 256);
    const lut = lutOf(img, equalizeHistogram(img));
    const values = Object.keys(lut)
      .map(Number)
      .sort((a, b) => a - b);
    for (let k = 1; k < values.length; k++) {
      expect(lut[values[k]]).toBeGreaterThanOrEqual(lut[values[k - 1]]);
    }
  });
});
