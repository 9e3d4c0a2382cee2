import { describe, expect, it } from 'vitest';
import { assertHeEvaluable, assertHeSafe, HeBudgetError, precisionBudget } from './he-safety.ts';
import { DEFAULT_CKKS_PRESET } from './ckks-presets.ts';
import { forwardChunk, PAPER_ARCHITECTURE, randomChunkCnn } from '../nn/chunk-cnn.ts';

describe('HE safety', () => {
  it('refuses a ReLU (plaintext baseline) model by name and accepts x²', () => {
    expect(() =>
      assertHeEvaluable({ ...PAPER_ARCHITECTURE, activation: 'relu' }, 'model baseline'),
    ).toThrow(/model baseline uses relu activations, which CKKS cannot evaluate/);
    expect(() => assertHeEvaluable(PAPER_ARCHITECTURE)).not.toThrow();
    expect(() => assertHeEvaluable({ ...PAPER_ARCHITECTURE, activation: 'square' })).not.toThrow();
  });

  it('names the layer whose measured range overflows the preset', () => {
    const budget = precisionBudget(DEFAULT_CKKS_PRESET);
    const ok = { conv: budget.conv / 2, fc1: budget.fc1 / 2, scores: budget.scores };
    expect(() => assertHeSafe(ok, DEFAULT_CKKS_PRESET)).not.toThrow();
    expect(() => assertHeSafe({ ...ok, fc1: budget.fc1 * 1.01 }, DEFAULT_CKKS_PRESET)).toThrow(
      HeBudgetError,
    );
    expect(() => assertHeSafe({ ...ok, fc1: budget.fc1 * 1.01 }, DEFAULT_CKKS_PRESET)).toThrow(
      /fc1 activations reach/,
    );
    expect(() => assertHeSafe({ ...ok, scores: budget.scores * 65 }, DEFAULT_CKKS_PRESET)).toThrow(
      /scores activations reach/,
    );
  });

  it('the ReLU reference clips negatives where x² squares them', () => {
    const weights = randomChunkCnn(PAPER_ARCHITECTURE, 3);
    const chunk = Float64Array.from({ length: 784 }, (_, i) => (i % 17) / 16);
    const square = forwardChunk(weights, chunk);
    const relu = forwardChunk(
      { ...weights, architecture: { ...PAPER_ARCHITECTURE, activation: 'relu' } },
      chunk,
    );
    expect(relu.conv).toEqual(square.conv);
    relu.square1.forEach((v, i) => expect(v).toBe(Math.max(0, square.conv[i]!)));
    expect(square.conv.some((v) => v < 0)).toBe(true);
  });
});
