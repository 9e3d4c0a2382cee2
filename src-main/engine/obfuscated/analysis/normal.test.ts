import { describe, expect, it } from 'vitest';
import { chiSquareCritical, normalQuantile } from './normal.ts';

describe('normalQuantile', () => {
  it('matches tabulated quantiles', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 7);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644853627, 7);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829304, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963985, 7);
  });

  it('refuses probabilities outside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(/0 < p < 1/);
    expect(() => normalQuantile(1.2)).toThrow(/0 < p < 1/);
  });
});

describe('chiSquareCritical', () => {
  it('is close to the exact table values', () => {
    expect(chiSquareCritical(255, 0.05)).toBeCloseTo(293.2478, 1);
    expect(chiSquareCritical(10, 0.05)).toBeCloseTo(18.307, 1);
  });
});
