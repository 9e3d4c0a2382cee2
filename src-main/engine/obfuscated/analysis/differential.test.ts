import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateObfuscationKey } from '../arnold-xor.ts';
import { keySensitivity, onePixelDifferential } from './differential.ts';
import { npcrUaciCritical } from './npcr-uaci.ts';

const size = 64;
const images = [0, 1, 2, 3, 4, 5].map((k) =>
  Uint8Array.from({ length: size * size }, (_, i) => (k === 5 ? 255 : (i * (k + 3)) % 256)),
);
const critical = npcrUaciCritical(size * size, 0.05);

describe('one-pixel differential (plaintext sensitivity)', () => {
  it('permute-then-XOR has no diffusion: NPCR = 1/MN, UACI = 1/(255·MN), every test fails', () => {
    const s = onePixelDifferential(generateObfuscationKey(), size, 'arnold+xor', images, critical);
    expect(s.pairs).toBe(6);
    expect(s.minNpcr).toBe(1 / 4096);
    expect(s.maxNpcr).toBe(1 / 4096);
    // The XOR turns a one-level change into some other change of that one byte.
    expect(s.meanUaci).toBeGreaterThan(0);
    expect(s.meanUaci).toBeLessThanOrEqual(1 / 4096);
    expect(s.npcrPassRate).toBe(0);
    expect(s.uaciPassRate).toBe(0);
    // Without the XOR the changed pixel keeps its one-level difference.
    const arnold = onePixelDifferential(generateObfuscationKey(), size, 'arnold', images, critical);
    expect(arnold.meanUaci).toBeCloseTo(1 / (255 * 4096), 15);
  });
});

describe('key sensitivity', () => {
  it('one flipped key bit gives unrelated-looking outputs (NPCR ≈ 99.6 %, UACI ≈ 33.5 %)', () => {
    const key = generateObfuscationKey();
    const result = keySensitivity(key, size, 'arnold+xor', images, critical, [0, 255]);
    expect(result.map((r) => r.bit)).toEqual([0, 255]);
    for (const r of result) {
      expect(r.meanNpcr).toBeGreaterThan(0.99);
      expect(Math.abs(r.meanUaci - 0.3346)).toBeLessThan(0.01);
    }
  });

  it('the plaintext condition is insensitive to the key (NPCR 0)', () => {
    const [r] = keySensitivity(
      new Uint8Array(randomBytes(32)),
      size,
      'plaintext',
      images,
      critical,
      [3],
    );
    expect(r!.meanNpcr).toBe(0);
    expect(r!.npcrPassRate).toBe(0);
  });
});
