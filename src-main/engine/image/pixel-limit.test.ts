import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PIXELS, pixelLimitProblem, validateMaxPixels } from './pixel-limit.ts';

describe('pixelLimitProblem', () => {
  it('names the size, the megapixels and the limit', () => {
    expect(pixelLimitProblem(30000, 30000, DEFAULT_MAX_PIXELS)).toBe(
      'image is 30000×30000 (900.0 MP), above the 50 MP limit (decompression-bomb guard)',
    );
    expect(pixelLimitProblem(8000, 7000, 12_500_000)).toBe(
      'image is 8000×7000 (56.0 MP), above the 12.5 MP limit (decompression-bomb guard)',
    );
    expect(pixelLimitProblem(7, 5, 34)).toBe(
      'image is 7×5 (35 pixels), above the 34-pixel limit (decompression-bomb guard)',
    );
  });

  it('allows exactly the limit', () => {
    expect(pixelLimitProblem(10_000, 5_000, DEFAULT_MAX_PIXELS)).toBeNull();
    expect(pixelLimitProblem(10_001, 5_000, DEFAULT_MAX_PIXELS)).not.toBeNull();
  });
});

describe('validateMaxPixels', () => {
  it('floors to a whole pixel count', () => {
    expect(validateMaxPixels(1000.7)).toBe(1000);
  });

  it.each([0, -5, 0.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s', (value) => {
    expect(() => validateMaxPixels(value)).toThrow(RangeError);
  });
});
