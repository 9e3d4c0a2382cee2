import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  chiSquareUniform,
  entropyOfCounts,
  expectedUniformEntropy,
  histogram256,
  millerMadowUniformEntropy,
  shannonEntropy,
  summarizeEntropy,
} from './entropy.ts';

describe('Shannon entropy', () => {
  it('known answers', () => {
    expect(shannonEntropy(new Uint8Array(100))).toBe(0);
    expect(shannonEntropy(Uint8Array.from([0, 255, 0, 255]))).toBe(1);
    expect(shannonEntropy(Uint8Array.from({ length: 256 * 4 }, (_, i) => i % 256))).toBe(8);
    expect(entropyOfCounts([1, 1, 2])).toBeCloseTo(1.5, 12);
    expect(Array.from(histogram256(Uint8Array.from([3, 3, 7])).slice(0, 8))).toEqual([
      0, 0, 0, 2, 0, 0, 0, 1,
    ]);
  });
});

describe('expected entropy of a uniformly random image', () => {
  it('exact for tiny n (enumerated by hand): n = 1 → 0, n = 2 → 255/256 bits', () => {
    expect(expectedUniformEntropy(1)).toBeCloseTo(0, 12);
    // Two pixels differ with probability 255/256, giving 1 bit; equal gives 0.
    expect(expectedUniformEntropy(2)).toBeCloseTo(255 / 256, 12);
    // Two levels, n = 2: H = 1 with probability 1/2.
    expect(expectedUniformEntropy(2, 2)).toBeCloseTo(0.5, 12);
  });

  it('64×64 and 28×28: below 8 bits, close to Miller–Madow, and to a Monte Carlo mean', () => {
    const e4096 = expectedUniformEntropy(4096);
    expect(e4096).toBeGreaterThan(7.95);
    expect(e4096).toBeLessThan(7.96);
    expect(Math.abs(e4096 - millerMadowUniformEntropy(4096))).toBeLessThan(2e-3);
    expect(expectedUniformEntropy(784)).toBeLessThan(e4096);
    let sum = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) sum += shannonEntropy(new Uint8Array(randomBytes(4096)));
    // The per-image standard deviation is ≈ 0.003 bits, so 200 trials pin the mean to ~2e-4.
    expect(Math.abs(sum / trials - e4096)).toBeLessThan(1.5e-3);
  });
});

describe('summarizeEntropy', () => {
  it('pools histograms and tests uniformity', () => {
    const flat = Uint8Array.from({ length: 4096 }, (_, i) => i % 256);
    const dark = new Uint8Array(4096).fill(10);
    const s = summarizeEntropy([flat, dark]);
    expect(s.meanImageEntropy).toBeCloseTo(4, 12);
    expect(s.minImageEntropy).toBe(0);
    expect(s.pooledHistogram[10]).toBe(4096 + 16);
    expect(s.pooledHistogram.reduce((a, b) => a + b)).toBe(8192);
    expect(chiSquareUniform(histogram256(flat))).toBe(0);
    expect(s.shareUniformAt05).toBe(0.5);
    expect(() => summarizeEntropy([flat, new Uint8Array(3)])).toThrow(/same size/);
  });
});
