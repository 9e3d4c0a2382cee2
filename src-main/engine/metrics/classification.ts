// Classification metrics from true and predicted class indices: accuracy, the
// confusion matrix (rows = true class, columns = predicted) and per-class
// precision / recall / F1 with macro and support-weighted averages.
// Convention: a ratio with a zero denominator is 0 (e.g. precision of a class never
// predicted), as scikit-learn does with zero_division=0.

export interface ClassMetrics {
  readonly name: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Number of true instances of the class. */
  readonly support: number;
}

export interface ClassificationMetrics {
  readonly n: number;
  readonly accuracy: number;
  /** confusion[true][predicted] counts. */
  readonly confusion: number[][];
  readonly perClass: ClassMetrics[];
  readonly macroF1: number;
  readonly weightedF1: number;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function confusionMatrix(
  truth: readonly number[],
  predicted: readonly number[],
  classCount: number,
): number[][] {
  if (truth.length !== predicted.length)
    throw new Error(`${truth.length} true labels but ${predicted.length} predictions`);
  const confusion = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    if (!(t >= 0 && t < classCount && p >= 0 && p < classCount))
      throw new Error(`class index out of range at ${i}: true ${t}, predicted ${p}`);
    confusion[t]![p]!++;
  });
  return confusion;
}

/** Metrics from a confusion matrix (rows = true, columns = predicted). */
export function metricsFromConfusion(
  confusion: number[][],
  classes: readonly string[],
): ClassificationMetrics {
  const k = classes.length;
  const n = confusion.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  let right = 0;
  const perClass = classes.map((name, c) => {
    const tp = confusion[c]![c]!;
    right += tp;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    let predictedAs = 0;
    for (let r = 0; r < k; r++) predictedAs += confusion[r]![c]!;
    const precision = ratio(tp, predictedAs);
    const recall = ratio(tp, support);
    return {
      name,
      precision,
      recall,
      f1: ratio(2 * precision * recall, precision + recall),
      support,
    };
  });
  return {
    n,
    accuracy: ratio(right, n),
    confusion,
    perClass,
    macroF1: ratio(
      perClass.reduce((s, c) => s + c.f1, 0),
      k,
    ),
    weightedF1: ratio(
      perClass.reduce((s, c) => s + c.f1 * c.support, 0),
      n,
    ),
  };
}

export function classificationMetrics(
  truth: readonly number[],
  predicted: readonly number[],
  classes: readonly string[],
): ClassificationMetrics {
  return metricsFromConfusion(confusionMatrix(truth, predicted, classes.length), classes);
}
