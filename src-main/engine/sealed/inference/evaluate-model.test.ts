import { describe, expect, it } from 'vitest';
import { meanCrossEntropy } from './evaluate-model.ts';
import { laneBatches } from './fresh-key-inference.ts';

describe('meanCrossEntropy', () => {
  it('is −log softmax of the true class, averaged (by hand)', () => {
    // softmax([0, ln 3]) = [1/4, 3/4]; truths 1 and 0 → (−ln 3/4 − ln 1/4) / 2
    const scores = [Float64Array.of(0, Math.log(3)), Float64Array.of(0, Math.log(3))];
    expect(meanCrossEntropy(scores, [1, 0])).toBeCloseTo(
      (-Math.log(0.75) - Math.log(0.25)) / 2,
      12,
    );
  });
  it('stays finite for large scores', () => {
    expect(meanCrossEntropy([Float64Array.of(1000, 0)], [1])).toBeCloseTo(1000, 9);
  });
});

describe('lane batches', () => {
  const chunks = (n: number) => Array.from({ length: n }, () => new Uint8Array(784));
  it('packs whole images in order and never splits one across batches', () => {
    const batches = laneBatches([chunks(6), chunks(5), chunks(4), chunks(7)], 12);
    expect(batches).toEqual([
      [
        { index: 0, firstLane: 0 },
        { index: 1, firstLane: 6 },
      ],
      [
        { index: 2, firstLane: 0 },
        { index: 3, firstLane: 4 },
      ],
    ]);
    expect(() => laneBatches([chunks(13)], 12)).toThrow(/more than 12 chunks/);
  });
});
