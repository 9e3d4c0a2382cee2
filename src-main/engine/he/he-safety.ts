// The CKKS precision budget and the check that refuses a model that would break it.
//
// With a first prime of p0 bits and scale 2^s, a ciphertext on its last prime holds
// |value| < 2^(p0 − s − 1) in every slot (128 for the 38/30 preset). The image
// result is the sum of up to 16 chunk scores, so with a 2× margin for unseen data
// each chunk's scores must stay within 128 / 16 / 2 = 4. Trained logits are larger,
// so fc2 runs scaled down by scoreScale = budget / measured range (argmax unchanged;
// decryption divides it out, which multiplies the CKKS error by 1 / scoreScale). A
// model that would need more than MAX_SCORE_DOWNSCALE is refused: its errors would
// reach the 1e-2 fidelity bound. Before the second square, fc1 sits on three primes
// at scale 2^2s: |fc1|² < 2^(p0 − 1) → |fc1| < 2^18.5 for 38 bits; the conv output is
// on five primes, far from any limit. Ranges come from the model file (measured on
// its training data).
import type { CkksPreset } from './ckks-presets.ts';
import type { ActivationRanges } from '../nn/model-file.ts';
import type { ChunkCnnArchitecture } from '../nn/chunk-cnn.ts';
import { CHUNK_COUNT } from '../../../src-shared/domain/geometry.ts';

export const RANGE_MARGIN = 2;
export const MAX_SCORE_DOWNSCALE = 64;

export interface PrecisionBudget {
  /** Largest |chunk score| that can be summed over 16 chunks without scaling. */
  readonly scores: number;
  readonly fc1: number;
  readonly conv: number;
}

export function precisionBudget(preset: CkksPreset, chunksPerImage = CHUNK_COUNT): PrecisionBudget {
  const p0 = preset.coeffModulusBits[0]!;
  const s = preset.scaleBits;
  return {
    scores: 2 ** (p0 - s - 1) / chunksPerImage / RANGE_MARGIN,
    fc1: Math.sqrt(2 ** (p0 - 1)) / RANGE_MARGIN,
    conv: Math.sqrt(2 ** (p0 + 2 * s - 1)) / RANGE_MARGIN,
  };
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
  const budget = precisionBudget(preset).scores;
  return ranges.scores <= budget ? 1 : budget / ranges.scores;
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
  if (!(ranges.scores <= budget.scores * MAX_SCORE_DOWNSCALE)) {
    throw new HeBudgetError(
      `${modelName}: scores activations reach ${ranges.scores.toPrecision(4)}; the CKKS preset ` +
        `${preset.id} sums 16 chunk scores of at most ${budget.scores.toPrecision(4)}, and scaling ` +
        `them down by more than ${MAX_SCORE_DOWNSCALE}× would cost the result its precision; ` +
        'retrain with smaller logits (e.g. weight decay on the last layer)',
    );
  }
}
