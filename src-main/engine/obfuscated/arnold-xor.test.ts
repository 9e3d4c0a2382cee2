import { createCipheriv, hkdfSync } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  OBFUSCATION_CONDITIONS,
  arnoldGatherTable,
  arnoldMap,
  arnoldPeriod,
  createObfuscator,
  deriveArnoldParams,
  deriveKeystream,
  generateObfuscationKey,
  inverseArnoldMap,
} from './arnold-xor.ts';

const FIXED_KEY = Uint8Array.from({ length: 32 }, (_, i) => i); // 00 01 … 1f
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** One step of the map on coordinates, applied `n` times: independent of the matrix power. */
function iterateCoordinates(x: number, y: number, a: number, b: number, n: number, size: number) {
  let cx = x;
  let cy = y;
  for (let k = 0; k < n; k++) {
    const nx = (cx + a * cy) % size;
    const ny = (b * cx + (a * b + 1) * cy) % size;
    cx = nx;
    cy = ny;
  }
  return [cx, cy] as const;
}

/** Period by brute force: step every pixel once per round until all are home. */
function bruteForcePeriod(size: number, a: number, b: number): number {
  let xs = Array.from({ length: size * size }, (_, i) => i % size);
  let ys = Array.from({ length: size * size }, (_, i) => Math.floor(i / size));
  for (let n = 1; n < 100 * size; n++) {
    const nx = xs.map((x, i) => (x + a * ys[i]!) % size);
    const ny = xs.map((x, i) => (b * x + (a * b + 1) * ys[i]!) % size);
    xs = nx;
    ys = ny;
    if (xs.every((x, i) => x === i % size && ys[i] === Math.floor(i / size))) return n;
  }
  throw new Error('no period');
}

/** Pisano period π(N): period of the Fibonacci sequence mod N. */
function pisano(n: number): number {
  let [p, c] = [0, 1];
  for (let k = 1; ; k++) {
    [p, c] = [c, (p + c) % n];
    if (p === 0 && c === 1) return k;
  }
}

describe('Arnold cat map', () => {
  it('classic period (a = b = 1): 24 for N = 28, 48 for N = 64, = π(N)/2, checked by brute force', () => {
    expect(arnoldPeriod(28)).toBe(24);
    expect(arnoldPeriod(64)).toBe(48);
    expect(pisano(28)).toBe(48);
    expect(pisano(64)).toBe(96);
    for (const n of [28, 64]) {
      expect(bruteForcePeriod(n, 1, 1)).toBe(arnoldPeriod(n));
      expect(arnoldPeriod(n)).toBe(pisano(n) / 2);
    }
    // Well-known figure for 256×256 images.
    expect(arnoldPeriod(256)).toBe(192);
  });

  it('period for other (a, b) agrees with brute force, and n = period is the identity', () => {
    for (const [n, a, b] of [
      [28, 24, 23],
      [17, 3, 5],
      [64, 6, 23],
    ] as const) {
      const period = arnoldPeriod(n, a, b);
      expect(bruteForcePeriod(n, a, b)).toBe(period);
      const img = Uint8Array.from({ length: n * n }, (_, i) => (i * 37) % 256);
      expect(arnoldMap(img, n, { a, b, iterations: period })).toEqual(img);
      expect(arnoldMap(img, n, { a, b, iterations: 1 })).not.toEqual(img);
    }
  });

  it('the gather table is the coordinate map iterated n times and a bijection', () => {
    const [size, a, b, iterations] = [12, 5, 7, 9];
    const table = arnoldGatherTable(size, { a, b, iterations });
    expect(new Set(table).size).toBe(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const [xn, yn] = iterateCoordinates(x, y, a, b, iterations, size);
        expect(table[yn * size + xn]).toBe(y * size + x);
      }
    }
  });

  it('inverseArnoldMap undoes arnoldMap', () => {
    const size = 28;
    const params = deriveArnoldParams(generateObfuscationKey(), size);
    const img = Uint8Array.from({ length: size * size }, (_, i) => (i * 131 + 7) % 256);
    const mapped = arnoldMap(img, size, params);
    expect(mapped).not.toEqual(img);
    expect(inverseArnoldMap(mapped, size, params)).toEqual(img);
  });

  it('derived parameters are in range, deterministic, and key-dependent', () => {
    for (const size of [2, 28, 64, 112]) {
      const p = deriveArnoldParams(FIXED_KEY, size);
      expect(p.a).toBeGreaterThanOrEqual(1);
      expect(p.a).toBeLessThan(Math.max(2, size));
      expect(p.b).toBeGreaterThanOrEqual(1);
      expect(p.iterations).toBeGreaterThanOrEqual(1);
      expect(p.iterations).toBeLessThan(Math.max(2, arnoldPeriod(size, p.a, p.b)));
      expect(deriveArnoldParams(FIXED_KEY, size)).toEqual(p);
    }
    expect(deriveArnoldParams(FIXED_KEY, 28)).toEqual({ a: 24, b: 23, iterations: 2 });
    expect(deriveArnoldParams(FIXED_KEY, 64)).toEqual({ a: 6, b: 23, iterations: 29 });
  });
});

describe('keystream (HKDF subkey + AES-256-CTR)', () => {
  it('fixed-key known answer, reproduced independently with node:crypto', () => {
    const ks = deriveKeystream(FIXED_KEY, 32);
    // Regression vector, computed once.
    expect(hex(ks)).toBe('369b17f90c20bcdb8cce291cfd71842422e0b10e7c6a3152b45ea9074a1285f3');
    const material = Buffer.from(
      hkdfSync('sha256', FIXED_KEY, new Uint8Array(0), 'sealsight/v1/obf-keystream', 48),
    );
    const aes = createCipheriv('aes-256-ctr', material.subarray(0, 32), material.subarray(32));
    expect(hex(Buffer.concat([aes.update(Buffer.alloc(32)), aes.final()]))).toBe(hex(ks));
  });

  it('reproducible from the key, prefix-consistent, different for another key', () => {
    const key = generateObfuscationKey();
    expect(key.byteLength).toBe(32);
    const long = deriveKeystream(key, 1000);
    expect(deriveKeystream(key, 1000)).toEqual(long);
    expect(deriveKeystream(key, 100)).toEqual(long.subarray(0, 100));
    const other = Uint8Array.from(key);
    other[31] ^= 1;
    const otherKs = deriveKeystream(other, 1000);
    const differing = long.filter((v, i) => v !== otherKs[i]).length;
    expect(differing).toBeGreaterThan(980); // ≈ 255/256 of bytes differ
  });
});

describe('createObfuscator', () => {
  it('round-trips every condition and does what the condition says', () => {
    const size = 28;
    const key = generateObfuscationKey();
    const img = Uint8Array.from({ length: size * size }, (_, i) => (i * 13) % 256);
    const params = deriveArnoldParams(key, size);
    const ks = deriveKeystream(key, size * size);
    const expected: Record<string, Uint8Array> = {
      plaintext: img,
      arnold: arnoldMap(img, size, params),
      xor: img.map((v, i) => v ^ ks[i]!),
      'arnold+xor': arnoldMap(img, size, params).map((v, i) => v ^ ks[i]!),
    };
    for (const condition of OBFUSCATION_CONDITIONS) {
      const o = createObfuscator(key, size, condition);
      expect(o.size).toBe(size);
      expect(o.condition).toBe(condition);
      const obf = o.obfuscate(img);
      expect(obf).toEqual(expected[condition]);
      expect(o.deobfuscate(obf)).toEqual(img);
    }
  });

  it('fixed-key known answer on a 4×4 image (permutation first, then XOR)', () => {
    const img = Uint8Array.from({ length: 16 }, (_, i) => i * 16);
    const obf = createObfuscator(FIXED_KEY, 4, 'arnold+xor').obfuscate(img);
    expect(Array.from(obf)).toEqual([
      54, 171, 55, 233, 204, 208, 92, 11, 12, 126, 137, 140, 189, 1, 228, 116,
    ]);
    // Independently: params (3, 2, 2) from the derivation, coordinates moved by iterating the
    // one-step map, then XOR with the node:crypto keystream.
    const { a, b, iterations } = deriveArnoldParams(FIXED_KEY, 4);
    expect({ a, b, iterations }).toEqual({ a: 3, b: 2, iterations: 2 });
    const ks = deriveKeystream(FIXED_KEY, 16);
    const manual = new Uint8Array(16);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const [xn, yn] = iterateCoordinates(x, y, a, b, iterations, 4);
        manual[yn * 4 + xn] = img[y * 4 + x]! ^ ks[yn * 4 + xn]!;
      }
    }
    expect(obf).toEqual(manual);
  });

  it('obfuscateBatch equals per-image obfuscation', () => {
    const o = createObfuscator(FIXED_KEY, 28, 'arnold+xor');
    const batch = Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 7) % 256);
    const out = o.obfuscateBatch(batch);
    for (let k = 0; k < 3; k++) {
      expect(out.subarray(k * 784, (k + 1) * 784)).toEqual(
        o.obfuscate(batch.subarray(k * 784, (k + 1) * 784)),
      );
    }
    expect(() => o.obfuscateBatch(new Uint8Array(785))).toThrow(/whole 28×28 images/);
  });

  it('refuses bad input with clear errors that never contain key bytes', () => {
    const key = generateObfuscationKey();
    const keyHex = hex(key);
    const errors: string[] = [];
    const capture = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        errors.push(String((e as Error).message));
        return;
      }
      throw new Error('expected a throw');
    };
    capture(() => createObfuscator(key.subarray(0, 16), 28, 'xor'));
    capture(() => createObfuscator(key, 28, 'rot13' as never));
    capture(() => createObfuscator(key, 1, 'xor'));
    capture(() => createObfuscator(key, 28, 'xor').obfuscate(new Uint8Array(28 * 27)));
    capture(() => createObfuscator(key, 28, 'xor').deobfuscate(new Uint8Array(5)));
    expect(errors[0]).toMatch(/32 bytes \(got 16 bytes\)/);
    expect(errors[3]).toMatch(/square/);
    for (const m of errors) {
      expect(m).not.toContain(keyHex.slice(0, 8));
      expect(m).not.toContain(Buffer.from(key).toString('base64').slice(0, 8));
    }
    // Logging an obfuscator shows no key material (tables and keystream live in closures).
    const shown = inspect(createObfuscator(key, 4, 'arnold+xor'), { depth: 5 });
    expect(shown).not.toContain(keyHex.slice(0, 8));
    expect(shown).not.toMatch(/keystream|Uint8Array|Uint32Array/);
  });
});
