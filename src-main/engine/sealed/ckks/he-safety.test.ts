import { describe, expect, it } from 'vitest';
import {
  assertHeEvaluable,
  assertHeSafe,
  HeBudgetError,
  precisionBudget,
  scoreScaleFor,
} from './he-safety.ts';
import { DEFAULT_CKKS_PRESET } from './ckks-presets.ts';
import { forwardChunk, PAPER_ARCHITECTURE, randomChunkCnn } from '../model/chunk-cnn.ts';

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
      /scores activations overflow: chunk scores reach/,
    );
    const images = { ...ok, imageScores: budget.imageScores * 65 };
    expect(() => assertHeSafe(images, DEFAULT_CKKS_PRESET)).toThrow(
      /scores activations overflow: image scores reach/,
    );
  });

  it('scales fc2 by the measured image scores when the file records them, else by 16 chunks', () => {
    const budget = precisionBudget(DEFAULT_CKKS_PRESET);
    expect(budget.imageScores).toBe(512); // 2^(39 − 28 − 1) / 2
    expect(budget.scores).toBe(32);
    const chunkOnly = { conv: 1, fc1: 1, scores: 90 };
    expect(scoreScaleFor(chunkOnly, DEFAULT_CKKS_PRESET)).toBeCloseTo(32 / 90, 12);
    // The shipped model's figures: image scores 354 fit the result unscaled.
    expect(scoreScaleFor({ ...chunkOnly, imageScores: 354 }, DEFAULT_CKKS_PRESET)).toBe(1);
    expect(scoreScaleFor({ ...chunkOnly, imageScores: 1024 }, DEFAULT_CKKS_PRESET)).toBe(0.5);
    // One chunk's scores are a result too (per-chunk decryption): they bound the scale.
    expect(
      scoreScaleFor({ ...chunkOnly, scores: 800, imageScores: 400 }, DEFAULT_CKKS_PRESET),
    ).toBe(512 / 800);
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
