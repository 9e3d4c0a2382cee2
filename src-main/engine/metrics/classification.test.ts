import { describe, expect, it } from 'vitest';
import { classificationMetrics, confusionMatrix } from './classification.ts';

describe('classificationMetrics', () => {
  // Hand-made case, 3 classes, 10 samples:
  //   true a: a a a b   (3 right, 1 as b)
  //   true b: b b c     (2 right, 1 as c)
  //   true c: c a c     (2 right, 1 as a)
  const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 0, 1, 1, 1, 2, 2, 0, 2];
  const m = classificationMetrics(truth, predicted, ['a', 'b', 'c']);

  it('counts the confusion matrix with rows = true class', () => {
    expect(m.confusion).toEqual([
      [3, 1, 0],
      [0, 2, 1],
      [1, 0, 2],
    ]);
    expect(m.n).toBe(10);
    expect(m.accuracy).toBeCloseTo(0.7, 12);
  });

  it('computes precision, recall and F1 per class by hand', () => {
    // a: tp 3, predicted-as-a 4, support 4 → P 0.75, R 0.75, F1 0.75
    // b: tp 2, predicted-as-b 3, support 3 → P 2/3, R 2/3, F1 2/3
    // c: tp 2, predicted-as-c 3, support 3 → P 2/3, R 2/3, F1 2/3
    const [a, b, c] = m.perClass;
    expect(a).toMatchObject({ name: 'a', support: 4 });
    expect(a!.precision).toBeCloseTo(0.75, 12);
    expect(a!.recall).toBeCloseTo(0.75, 12);
    expect(a!.f1).toBeCloseTo(0.75, 12);
    expect(b!.precision).toBeCloseTo(2 / 3, 12);
    expect(c!.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo((0.75 + 4 / 3) / 3, 12);
    expect(m.weightedF1).toBeCloseTo((0.75 * 4 + (2 / 3) * 3 * 2) / 10, 12);
  });

  it('gives 0 (not NaN) for a class that is never predicted or never present', () => {
    const skew = classificationMetrics([0, 0, 1], [0, 0, 0], ['x', 'y', 'z']);
    expect(skew.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(skew.perClass[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(skew.perClass[0]!.precision).toBeCloseTo(2 / 3, 12);
  });

  it('refuses mismatched lengths and out-of-range classes', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 true labels but 1 predictions/);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(/out of range at 1/);
  });
});
