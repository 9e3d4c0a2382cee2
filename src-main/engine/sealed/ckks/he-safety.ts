// The CKKS precision budget and the check that refuses a model that would break it.
//
// With a first prime of p0 bits and scale 2^s, a ciphertext on its last prime holds
// |value| < 2^(p0 − s − 1) in every slot (1024 for the 39/28 preset). With a 2× margin
// for unseen data the result may reach half that: an image score (the sum of its
// feature-chunk scores) or, for per-chunk results, one chunk's scores. A model file
// records the largest image score on its training images (`imageScores`); older files
// only the largest chunk score, and then 16 chunks at that score are assumed (a bound
// ~4× above the measured image scores of the shipped model). Trained logits are larger,
// so fc2 runs scaled down by scoreScale = budget / measured range (argmax unchanged;
// decryption divides it out, which multiplies the CKKS error by 1 / scoreScale). A
// model that would need more than MAX_SCORE_DOWNSCALE is refused: its errors would
// reach the 1e-2 fidelity bound. Before the second square, fc1 sits on three primes
// at scale 2^2s: |fc1|² < 2^(p0 − 1) → |fc1| < 2^18.5 for 38 bits; the conv output is
// on five primes, far from any limit. Ranges come from the model file (measured on
// its training data).
import type { CkksPreset } from './ckks-presets.ts';
import type { ActivationRanges } from '../model/model-file.ts';
import type { ChunkCnnArchitecture } from '../model/chunk-cnn.ts';
import { CHUNK_COUNT } from '../../../../src-shared/domain/geometry.ts';

export const RANGE_MARGIN = 2;
export const MAX_SCORE_DOWNSCALE = 64;

export interface PrecisionBudget {
  /** Largest |image score| (or one chunk's |score|) the result holds without scaling. */
  readonly imageScores: number;
  /** Largest |chunk score| that can be summed over 16 chunks without scaling. */
  readonly scores: number;
  readonly fc1: number;
  readonly conv: number;
}

export function precisionBudget(preset: CkksPreset, chunksPerImage = CHUNK_COUNT): PrecisionBudget {
  const p0 = preset.coeffModulusBits[0]!;
  const s = preset.scaleBits;
  const result = 2 ** (p0 - s - 1) / RANGE_MARGIN;
  return {
    imageScores: result,
    scores: result / chunksPerImage,
    fc1: Math.sqrt(2 ** (p0 - 1)) / RANGE_MARGIN,
    conv: Math.sqrt(2 ** (p0 + 2 * s - 1)) / RANGE_MARGIN,
  };
}

/** How many times the scores overflow the result's budget (≤ 1: they fit unscaled). */
function scoreOverflow(ranges: ActivationRanges, budget: PrecisionBudget): number {
  const images =
    ranges.imageScores === undefined
      ? ranges.scores / budget.scores
      : ranges.imageScores / budget.imageScores;
  return Math.max(images, ranges.scores / budget.imageScores);
}

export class HeBudgetError extends Error {
  override name = 'HeBudgetError';
}

/** CKKS evaluates additions and multiplications only: a ReLU net is a plaintext baseline. */
export function assertHeEvaluable(arch: ChunkCnnArchitecture, modelName = 'model'): void {
  if ((arch.activation ?? 'square') !== 'square') {
    throw new HeBudgetError(
      `${modelName} uses ${arch.activation} activations, which CKKS cannot evaluate (only ` +
        'additions and multiplications): it is a plaintext baseline; use an x² model for encrypted inference',
    );
  }
}

/** The factor fc2 is scaled by so image sums fit (1 when they already do). */
export function scoreScaleFor(ranges: ActivationRanges, preset: CkksPreset): number {
  const overflow = scoreOverflow(ranges, precisionBudget(preset));
  return overflow <= 1 ? 1 : 1 / overflow;
}

/** Throws HeBudgetError naming the layer when a model's measured ranges overflow. */
export function assertHeSafe(
  ranges: ActivationRanges,
  preset: CkksPreset,
  modelName = 'model',
): void {
  const budget = precisionBudget(preset);
  for (const layer of ['conv', 'fc1'] as const) {
    if (!(ranges[layer] <= budget[layer])) {
      throw new HeBudgetError(
        `${modelName}: ${layer} activations reach ${ranges[layer].toPrecision(4)}, above the ` +
          `${budget[layer].toPrecision(4)} the CKKS preset ${preset.id} can hold; retrain with ` +
          'smaller weights (or clip)',
      );
    }
  }
  if (!(scoreOverflow(ranges, budget) <= MAX_SCORE_DOWNSCALE)) {
    const what =
      ranges.imageScores === undefined
        ? `chunk scores reach ${ranges.scores.toPrecision(4)}; the CKKS preset ${preset.id} sums 16 chunk scores of at most ${budget.scores.toPrecision(4)}`
        : `image scores reach ${ranges.imageScores.toPrecision(4)}; the CKKS preset ${preset.id} holds image scores of at most ${budget.imageScores.toPrecision(4)}`;
    throw new HeBudgetError(
      `${modelName}: scores activations overflow: ${what}, and scaling them down by more ` +
        `than ${MAX_SCORE_DOWNSCALE}× would cost the result its precision; retrain with ` +
        'smaller logits (e.g. weight decay on the last layer)',
    );
  }
}
