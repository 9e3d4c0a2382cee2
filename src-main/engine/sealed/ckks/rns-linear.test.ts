// Known-answer test of the RNS kernel's ciphertext linear combinations: byte-equal to
// SEAL's multiplyPlain (by each weight's constant plaintext) + addInplace, at the levels
// the lanes layout uses them (6 primes: conv; 4: fc1), for weights negative, zero, below
// the encoding's resolution, large and beyond the 28-bit primes, over enough terms to
// cross every flush, and at the flush bound with the largest residues.
import { describe, expect, it } from 'vitest';
import type { Ciphertext } from 'node-seal/throws';
import { loadSeal } from './seal-runtime.ts';
import type { Seal } from './seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from './ckks-presets.ts';
import type { CkksContext } from './ckks-presets.ts';
import { ConstantPlaintexts } from './constant-plaintext.ts';
import { RnsLinear } from './rns-linear.ts';
import { mulberry32 } from '../../ml/random.ts';
import { freshCiphertext } from '../../../../test/helpers/ckks.ts';
import { randomLike } from '../../../../test/helpers/random-ciphertext.ts';

/** First index where two byte arrays differ (-1: equal), so a failure says where. */
function firstDifference(a: Uint8Array | null, b: Uint8Array | null): number {
  if (!a || !b) return a === b ? -1 : 0;
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Runs one combination of `terms` rows over a few distinct inputs both ways and expects
 * the same bytes per unit (null on both sides for a unit without a live weight).
 */
function compare(
  seal: Seal,
  ckks: CkksContext,
  linear: RnsLinear,
  inputs: readonly Uint8Array[],
  units: number,
  terms: number,
  weight: (unit: number, row: number) => number,
  blockRows?: number,
): void {
  using evaluator = new seal.Evaluator(ckks.context);
  using constants = new ConstantPlaintexts(seal, ckks);
  const loaded = inputs.map((raw) => linear.load(raw));
  const reference: Array<Ciphertext | null> = Array.from({ length: units }, () => null);
  try {
    using combination = linear.combination(units, { rows: terms, blockRows });
    using product = new seal.Ciphertext();
    for (let r = 0; r < terms; r++) {
      const y = loaded[r % loaded.length]!;
      combination.push(inputs[r % inputs.length]!, (u) => weight(u, r));
      for (let u = 0; u < units; u++) {
        const w = weight(u, r);
        if (Math.abs(w) * ckks.scale < 0.5) continue; // SEAL's path skips these terms
        using plain = constants.encode(w, y);
        const acc = reference[u];
        if (acc) {
          evaluator.multiplyPlain(y, plain, product);
          evaluator.addInplace(acc, product);
        } else {
          reference[u] = new seal.Ciphertext();
          evaluator.multiplyPlain(y, plain, reference[u]!);
        }
      }
    }
    const got: Array<Uint8Array | null> = [];
    combination.finish((_, bytes) => got.push(bytes && bytes.slice()));
    reference.forEach((acc, u) => {
      expect(firstDifference(got[u] ?? null, acc && linear.save(acc))).toBe(-1);
    });
  } finally {
    for (const ct of [...loaded, ...reference]) ct?.delete();
  }
}

describe('RNS kernel linear combinations', () => {
  it('are byte-equal to SEAL’s multiplyPlain + addInplace at 6 and 4 primes', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    using evaluator = new seal.Evaluator(ckks.context);
    using linear = new RnsLinear(seal, ckks);
    using like = freshCiphertext(seal, ckks);
    const random = mulberry32(11);
    const delta = ckks.scale;
    // Weights SEAL rounds and reduces in every way: zero, below resolution, exactly half
    // a unit (rounds away from zero), ±8, far beyond the 28-bit primes (|c| ≈ 2^38).
    const special = [0, 1e-12, 0.5 / delta, -0.5 / delta, 0.49 / delta, 8, -8, 1000, -1000];
    const uniform = () => (random() * 2 - 1) * 8;
    const weights = Array.from({ length: 4 * 800 }, (_, i) =>
      i % 5 === 0 ? special[(i / 5) % special.length]! : uniform(),
    );
    const weight = (u: number, r: number) => (u === 3 ? 1e-12 : weights[u * 800 + r]!);

    expect(like.coeffModulusSize()).toBe(6);
    const top = Array.from({ length: 5 }, () => randomLike(seal, ckks.primes, like, random));
    // Short flushes (7 rows) and a last partial one; unit 3 has no live weight.
    compare(seal, ckks, linear, top, 4, 100, weight, 7);

    evaluator.cipherModSwitchToNextInplace(like);
    evaluator.cipherModSwitchToNextInplace(like);
    expect(like.coeffModulusSize()).toBe(4);
    const fc1 = Array.from({ length: 7 }, () => randomLike(seal, ckks.primes, like, random));
    // fc1's shape: 784 rows, in equal flushes of at most 128.
    compare(seal, ckks, linear, fc1, 4, 784, weight);
  });

  it('are exact at the longest flush with the largest residues and weights', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    using evaluator = new seal.Evaluator(ckks.context);
    using linear = new RnsLinear(seal, ckks);
    using like = freshCiphertext(seal, ckks);
    evaluator.cipherModSwitchToNextInplace(like);
    evaluator.cipherModSwitchToNextInplace(like);
    const largest = randomLike(seal, ckks.primes, like, Math.random, (q) => q - 1);
    // c = −1 is q − 1 in every prime: each product is (q − 1)², the most a term adds.
    const block = linear.maxBlockRows;
    expect(block).toBeGreaterThanOrEqual(256);
    compare(seal, ckks, linear, [largest], 1, 2 * block + 3, () => -1 / ckks.scale, block);
    expect(() => linear.combination(1, { blockRows: block + 1 })).toThrow(/are exact/);
  });

  it('refuse inputs of another level, and restart after a reset', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    using evaluator = new seal.Evaluator(ckks.context);
    using linear = new RnsLinear(seal, ckks);
    using like = freshCiphertext(seal, ckks);
    const random = mulberry32(5);
    const top = randomLike(seal, ckks.primes, like, random);
    evaluator.cipherModSwitchToNextInplace(like);
    const lower = randomLike(seal, ckks.primes, like, random);
    using combination = linear.combination(2);
    combination.push(top, () => 0.25);
    expect(() => combination.push(lower, () => 0.25)).toThrow(/must share parms_id, size/);
    const once: Array<Uint8Array | null> = [];
    combination.finish((_, bytes) => once.push(bytes && bytes.slice()));
    expect(() => combination.push(top, () => 0.25)).toThrow(/finished/);
    // After a reset, the same sum again (in the same memory) gives the same bytes.
    combination.reset();
    combination.push(top, () => 0.125);
    combination.push(top, () => 0.125);
    combination.finish((u, bytes) => expect(firstDifference(bytes, once[u]!)).toBe(-1));
  });
});
