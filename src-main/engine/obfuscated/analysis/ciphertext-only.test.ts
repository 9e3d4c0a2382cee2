import { describe, expect, it } from 'vitest';
import {
  arnoldGatherTable,
  createObfuscator,
  deriveArnoldParams,
  deriveKeystream,
  generateObfuscationKey,
} from '../arnold-xor.ts';
import { ciphertextOnlyAttack, estimateKeystream, offsetCorrelations } from './ciphertext-only.ts';
import { histogram256 } from './entropy.ts';

/** Test data: dark images with one smooth bright blob each, from a fixed-seed LCG. */
function blobImages(count: number, size: number, seed: number): Uint8Array[] {
  let state = seed;
  const rand = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const cx = rand() * size;
    const cy = rand() * size;
    const r2 = (2 + rand() * size * 0.3) ** 2;
    const amp = 120 + rand() * 130;
    return Uint8Array.from({ length: size * size }, (_, i) => {
      const d2 = ((i % size) - cx) ** 2 + (Math.floor(i / size) - cy) ** 2;
      return Math.min(255, Math.round(15 + amp * Math.exp(-d2 / r2)));
    });
  });
}

describe('ciphertext-only attack', () => {
  it('estimateKeystream: exact when plaintexts follow the prior closely', () => {
    const key = generateObfuscationKey();
    const o = createObfuscator(key, 8, 'xor');
    const plains = Array.from({ length: 50 }, (_, m) =>
      new Uint8Array(64).fill(m % 5 === 0 ? 12 : 10),
    );
    const prior = new Float64Array(256);
    prior[10] = 80;
    prior[12] = 20;
    const ks = estimateKeystream(
      plains.map((p) => o.obfuscate(p)),
      prior,
    );
    expect(ks).toEqual(deriveKeystream(key, 64));
  });

  it('offsetCorrelations: a horizontal ramp on the torus correlates best at offset (1, 0)', () => {
    const size = 8;
    const img = Uint8Array.from(
      { length: 64 },
      (_, i) => 10 * Math.min(i % size, size - (i % size)),
    );
    const c = offsetCorrelations([img], size);
    expect(c[0]).toBeCloseTo(1, 12);
    expect(c[1]).toBeGreaterThan(c[2]!);
    expect(c[8]).toBeCloseTo(1, 12); // (0, 1): every row is the same
  });

  it('recovers the permutation (up to a 90° rotation) and most keystream bytes from ciphertexts alone', () => {
    const size = 32;
    const key = generateObfuscationKey();
    const o = createObfuscator(key, size, 'arnold+xor');
    const prior = new Float64Array(256);
    for (const img of blobImages(200, size, 1)) histogram256(img, prior);
    const victims = blobImages(200, size, 2);
    const est = ciphertextOnlyAttack(
      victims.map((v) => o.obfuscate(v)),
      size,
      prior,
    );
    const truth = arnoldGatherTable(size, deriveArnoldParams(key, size));
    expect(est.gathers).toHaveLength(4);
    const exact = est.gathers.filter((g) => g.every((s, j) => s === truth[j]));
    expect(exact).toHaveLength(1);
    const ks = deriveKeystream(key, size * size);
    const recovered = est.keystream.filter((k, j) => k === ks[j]).length / ks.length;
    expect(recovered).toBeGreaterThan(0.5);
  });
});
