import { describe, expect, it } from 'vitest';
import {
  OBFUSCATION_CONDITIONS,
  arnoldGatherTable,
  createObfuscator,
  deriveArnoldParams,
  deriveKeystream,
  generateObfuscationKey,
} from '../arnold-xor.ts';
import {
  craftGenericChosenImages,
  decryptWithRecovered,
  genericChosenImageCount,
  recoverArnold,
  recoverArnoldKnownPlaintext,
  recoverGeneric,
  scoreDecryption,
} from './chosen-plaintext.ts';

const unseen = (size: number, seed: number) =>
  Uint8Array.from({ length: size * size }, (_, i) => (i * seed + ((i * i) >> 3)) % 256);

describe('generic chosen-plaintext attack', () => {
  it('needs 3 chosen images for 64×64 (and up to 256×256), 2 for ≤ 16×16, 4 beyond 256×256', () => {
    expect(genericChosenImageCount(64)).toBe(3);
    expect(genericChosenImageCount(256)).toBe(3);
    expect(genericChosenImageCount(16)).toBe(2);
    expect(genericChosenImageCount(257)).toBe(4);
    // Why two cannot do for an arbitrary permutation of 4,096 positions: too few bits.
    let log2Factorial = 0;
    for (let k = 2; k <= 4096; k++) log2Factorial += Math.log2(k);
    expect(2 * 8 * 4096).toBeLessThan(8 * 4096 + log2Factorial);
  });

  it('recovers keystream and permutation exactly, for every condition, and decrypts unseen images', () => {
    const size = 64;
    const key = generateObfuscationKey();
    for (const condition of OBFUSCATION_CONDITIONS) {
      const o = createObfuscator(key, size, condition);
      const chosen = craftGenericChosenImages(size);
      expect(chosen).toHaveLength(3);
      const rec = recoverGeneric(
        size,
        chosen.map((p) => o.obfuscate(p)),
      );
      if (condition === 'arnold+xor') {
        expect(rec.keystream).toEqual(deriveKeystream(key, size * size));
        expect(rec.gather).toEqual(arnoldGatherTable(size, deriveArnoldParams(key, size)));
      }
      const truth = [unseen(size, 7), unseen(size, 101)];
      const recovered = truth.map((t) => decryptWithRecovered(rec, o.obfuscate(t)));
      const score = scoreDecryption(truth, recovered);
      expect(score).toMatchObject({ images: 2, exactImages: 2, pixelErrorRate: 0 });
    }
  });

  it('refuses answers that are not a permute-then-XOR cipher', () => {
    const constant = () => new Uint8Array(16 * 16).fill(3);
    const chosen = craftGenericChosenImages(16).map(constant);
    expect(() => recoverGeneric(16, chosen)).toThrow(/not a permute-then-XOR cipher/);
  });
});

describe('Arnold-structured attack (two chosen images)', () => {
  it('finds the permutation by search and decrypts exactly, with and without XOR', () => {
    const size = 28;
    const key = generateObfuscationKey();
    for (const condition of ['arnold+xor', 'arnold', 'xor'] as const) {
      const o = createObfuscator(key, size, condition);
      let queries = 0;
      const rec = recoverArnold(size, (p) => {
        queries++;
        return o.obfuscate(p);
      });
      expect(queries).toBe(2);
      const truth = unseen(size, 13);
      expect(decryptWithRecovered(rec, o.obfuscate(truth))).toEqual(truth);
    }
  });

  it('known plaintexts (not chosen) suffice too: two or three pairs give keystream and permutation', () => {
    const size = 28;
    const key = generateObfuscationKey();
    const o = createObfuscator(key, size, 'arnold+xor');
    const known = [3, 11, 29].map((seed) => unseen(size, seed));
    for (const count of [2, 3]) {
      const rec = recoverArnoldKnownPlaintext(
        size,
        known.slice(0, count).map((plain) => ({ plain, cipher: o.obfuscate(plain) })),
      );
      expect(rec).not.toBeNull();
      expect(rec!.keystream).toEqual(deriveKeystream(key, size * size));
      expect(rec!.gather).toEqual(arnoldGatherTable(size, deriveArnoldParams(key, size)));
      const truth = unseen(size, 57);
      expect(decryptWithRecovered(rec!, o.obfuscate(truth))).toEqual(truth);
    }
    expect(() =>
      recoverArnoldKnownPlaintext(size, [{ plain: known[0]!, cipher: o.obfuscate(known[0]!) }]),
    ).toThrow(/at least two pairs/);
  });

  it('scoreDecryption counts wrong pixels', () => {
    const t = Uint8Array.from([1, 2, 3, 4]);
    const s = scoreDecryption([t], [Uint8Array.from([1, 2, 9, 4])]);
    expect(s).toEqual({
      images: 1,
      exactImages: 0,
      pixelErrorRate: 0.25,
      meanAbsPixelError: 1.5,
      maxAbsPixelError: 6,
    });
  });
});
