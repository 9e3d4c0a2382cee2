// What every training loop here shares: the learning-rate schedule (linear warm-up,
// cosine decay) and the error a cancelled training ends with, which the CLI and the
// app's workers recognise by class.

const WARMUP_FRACTION = 0.03;
const FINAL_LR_FRACTION = 0.02;

export class TrainingCancelled extends Error {
  override name = 'TrainingCancelled';
}

/** Learning rate at step t of T: linear warm-up, then cosine decay to 2 % of the peak. */
export function learningRateAt(peak: number, t: number, total: number): number {
  const warmup = Math.max(1, Math.round(WARMUP_FRACTION * total));
  if (t < warmup) return (peak * (t + 1)) / warmup;
  const progress = (t - warmup) / Math.max(1, total - warmup);
  return (
    peak * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + Math.cos(Math.PI * progress)))
  );
}
