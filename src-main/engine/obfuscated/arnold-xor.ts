// The obfuscated tier's cipher: Arnold cat map (a keyed pixel permutation) followed by XOR
// with a keyed keystream. It is OBFUSCATION UNDER A FIXED KEY, not encryption: the same key
// is used for every image (so a CNN can learn on obfuscated images), there is no diffusion
// and no nonce, so it falls to known or chosen plaintexts (see ../security/). Use the sealed
// tier for secrecy.
//
// Order (forward): 1. permute pixel positions with the Arnold map, 2. XOR with the keystream.
// Inverse: XOR, then the inverse permutation.
//
// Images are SQUARE N×N grayscale bytes, row-major. The obfuscated tier only ever sees square
// images: the pipeline resizes (aspect ignored) before obfuscating, so non-square input is a
// caller bug and is refused here.
//
// Arnold map on N×N, with x the column and y the row: [x', y'] = [[1, a], [b, ab + 1]]·[x, y]
// mod N, iterated n times. det = 1, so the matrix is invertible mod N and the map is a
// bijection for every N. Since the n-fold map is just M^n mod N, it is precomputed as one
// gather table, so obfuscating an image is a single gather + XOR whatever n is.
import { createCipheriv, randomBytes } from 'node:crypto';
import { hkdfSubkey } from '../crypto/index.ts';

export type ObfuscationCondition = 'plaintext' | 'arnold' | 'xor' | 'arnold+xor';
export const OBFUSCATION_CONDITIONS: readonly ObfuscationCondition[] = Object.freeze([
  'plaintext',
  'arnold',
  'xor',
  'arnold+xor',
]);

export interface ArnoldParams {
  readonly a: number;
  readonly b: number;
  readonly iterations: number;
}

export const OBFUSCATION_KEY_BYTES = 32;
/** Largest side accepted: 4096² pixels (16 M), a 64 MiB gather table. */
export const MAX_OBFUSCATION_SIZE = 4096;

/** HKDF labels (info): one per purpose, so the permutation and keystream are independent. */
export const OBFUSCATION_SUBKEY_LABELS = Object.freeze({
  arnold: 'sealsight/v1/obf-arnold',
  keystream: 'sealsight/v1/obf-keystream',
});

export function generateObfuscationKey(): Uint8Array {
  return new Uint8Array(randomBytes(OBFUSCATION_KEY_BYTES));
}

// Errors name lengths and sizes only, never key bytes.
function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== OBFUSCATION_KEY_BYTES) {
    const got = key instanceof Uint8Array ? `${key.byteLength} bytes` : typeof key;
    throw new RangeError(`obfuscation key must be ${OBFUSCATION_KEY_BYTES} bytes (got ${got})`);
  }
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 2 || size > MAX_OBFUSCATION_SIZE) {
    throw new RangeError(
      `obfuscated images must be square with a side of 2..${MAX_OBFUSCATION_SIZE} pixels (got ${String(size)})`,
    );
  }
}

function checkPixels(pixels: Uint8Array, size: number, what = 'image'): void {
  if (!(pixels instanceof Uint8Array) || pixels.length !== size * size) {
    const got = pixels instanceof Uint8Array ? `${pixels.length} bytes` : typeof pixels;
    throw new RangeError(
      `${what} must be ${size}×${size} = ${size * size} grayscale bytes (got ${got}); resize to a square first`,
    );
  }
}

function checkParams(params: ArnoldParams): void {
  const { a, b, iterations } = params;
  if (![a, b, iterations].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new RangeError('Arnold parameters a, b, iterations must be whole numbers ≥ 0');
  }
}

type Mat2 = readonly [number, number, number, number]; // [m00, m01, m10, m11]

// Entries stay < N ≤ 4096, so products (< 2^24) and their sums are exact in doubles.
function mulMod(p: Mat2, q: Mat2, n: number): Mat2 {
  return [
    (p[0] * q[0] + p[1] * q[2]) % n,
    (p[0] * q[1] + p[1] * q[3]) % n,
    (p[2] * q[0] + p[3] * q[2]) % n,
    (p[2] * q[1] + p[3] * q[3]) % n,
  ];
}

function catMatrix(a: number, b: number, n: number): Mat2 {
  const am = a % n;
  const bm = b % n;
  return [1 % n, am, bm, (am * bm + 1) % n];
}

function powMod(m: Mat2, e: number, n: number): Mat2 {
  let result: Mat2 = [1 % n, 0, 0, 1 % n];
  let base = m;
  let k = e;
  while (k > 0) {
    if (k & 1) result = mulMod(result, base, n);
    base = mulMod(base, base, n);
    k = Math.floor(k / 2);
  }
  return result;
}

/**
 * The map's period on N×N: the smallest n ≥ 1 with M^n ≡ I (mod N). For the classic cat map
 * (a = b = 1) it is half the Pisano period π(N) for N > 2 (Dyson & Falk 1992): 24 for N = 28,
 * 48 for N = 64.
 */
export function arnoldPeriod(size: number, a = 1, b = 1): number {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a whole number ≥ 1');
  if (size === 1) return 1;
  const m = catMatrix(a, b, size);
  let p = m;
  // The order of an element of SL(2, Z/N) is far below 24N for N ≤ 4096; the bound only guards
  // against a bug looping forever.
  for (let n = 1; n <= 24 * size; n++) {
    if (p[0] === 1 && p[1] === 0 && p[2] === 0 && p[3] === 1) return n;
    p = mulMod(p, m, size);
  }
  throw new Error(`Arnold period for N = ${size} not found (internal error)`);
}

function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! * 2 ** 24 +
      (bytes[offset + 1]! << 16) +
      (bytes[offset + 2]! << 8) +
      bytes[offset + 3]!) >>>
    0
  );
}

/**
 * Key → (a, b, n): a, b uniform-ish in 1..N−1 (a or b = 0 would make it a mere shear), n in
 * 1..period−1 (n = period would be the identity). The modulo bias of a 32-bit draw is < 2^-20.
 */
export function deriveArnoldParams(key: Uint8Array, size: number): ArnoldParams {
  checkKey(key);
  checkSize(size);
  const bytes = hkdfSubkey(key, OBFUSCATION_SUBKEY_LABELS.arnold, 12);
  const a = 1 + (readU32(bytes, 0) % (size - 1));
  const b = 1 + (readU32(bytes, 4) % (size - 1));
  const period = arnoldPeriod(size, a, b);
  const iterations = 1 + (readU32(bytes, 8) % Math.max(1, period - 1));
  bytes.fill(0);
  return { a, b, iterations };
}

/**
 * `length` keystream bytes: AES-256-CTR over zeros, key and IV from HKDF(key, keystream label).
 * A shorter keystream is a prefix of a longer one (CTR), so it depends only on key and position.
 */
export function deriveKeystream(key: Uint8Array, length: number): Uint8Array {
  checkKey(key);
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError('keystream length must be a whole number ≥ 0');
  }
  const material = hkdfSubkey(key, OBFUSCATION_SUBKEY_LABELS.keystream, 48);
  try {
    const cipher = createCipheriv('aes-256-ctr', material.subarray(0, 32), material.subarray(32));
    const out = new Uint8Array(length);
    out.set(cipher.update(new Uint8Array(length)));
    cipher.final();
    return out;
  } finally {
    material.fill(0);
  }
}

/**
 * Gather table of the n-fold map: obfuscated[j] = plain[table[j]]. The pixel at (x, y) moves to
 * (x', y') = M^n·(x, y) mod N.
 */
export function arnoldGatherTable(size: number, params: ArnoldParams): Uint32Array {
  checkSize(size);
  checkParams(params);
  const [m00, m01, m10, m11] = powMod(catMatrix(params.a, params.b, size), params.iterations, size);
  const table = new Uint32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const xn = (m00 * x + m01 * y) % size;
      const yn = (m10 * x + m11 * y) % size;
      table[yn * size + xn] = y * size + x;
    }
  }
  return table;
}

function invertTable(table: Uint32Array): Uint32Array {
  const inverse = new Uint32Array(table.length);
  for (let j = 0; j < table.length; j++) inverse[table[j]!] = j;
  return inverse;
}

function gather(src: Uint8Array, table: Uint32Array): Uint8Array {
  const out = new Uint8Array(table.length);
  for (let j = 0; j < table.length; j++) out[j] = src[table[j]!]!;
  return out;
}

export function arnoldMap(pixels: Uint8Array, size: number, params: ArnoldParams): Uint8Array {
  checkPixels(pixels, size);
  return gather(pixels, arnoldGatherTable(size, params));
}

export function inverseArnoldMap(
  pixels: Uint8Array,
  size: number,
  params: ArnoldParams,
): Uint8Array {
  checkPixels(pixels, size);
  return gather(pixels, invertTable(arnoldGatherTable(size, params)));
}

export interface Obfuscator {
  readonly size: number;
  readonly condition: ObfuscationCondition;
  obfuscate(pixels: Uint8Array): Uint8Array;
  deobfuscate(obf: Uint8Array): Uint8Array;
  /**
   * Obfuscate `count` images stored back to back (count·N² bytes, e.g. an MNIST IDX body) into a
   * new buffer of the same layout.
   */
  obfuscateBatch(images: Uint8Array): Uint8Array;
}

/**
 * Precomputes the gather tables and the keystream once, so each image costs one gather + XOR.
 * The returned object holds them in closures only: logging it shows no key material.
 */
export function createObfuscator(
  key: Uint8Array,
  size: number,
  condition: ObfuscationCondition,
): Obfuscator {
  checkKey(key);
  checkSize(size);
  if (!OBFUSCATION_CONDITIONS.includes(condition)) {
    throw new RangeError(
      `unknown obfuscation condition ${JSON.stringify(String(condition)).slice(0, 40)}`,
    );
  }
  const pixelCount = size * size;
  const permute = condition === 'arnold' || condition === 'arnold+xor';
  const xor = condition === 'xor' || condition === 'arnold+xor';
  // Identity tables when a stage is off keep the inner loop branch-free.
  const forward = permute
    ? arnoldGatherTable(size, deriveArnoldParams(key, size))
    : Uint32Array.from({ length: pixelCount }, (_, i) => i);
  const inverse = permute ? invertTable(forward) : forward;
  const keystream = xor ? deriveKeystream(key, pixelCount) : new Uint8Array(pixelCount);

  const obfuscateAt = (src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number) => {
    for (let j = 0; j < pixelCount; j++)
      dst[dstOff + j] = src[srcOff + forward[j]!]! ^ keystream[j]!;
  };

  return Object.freeze({
    size,
    condition,
    obfuscate(pixels: Uint8Array): Uint8Array {
      checkPixels(pixels, size);
      const out = new Uint8Array(pixelCount);
      obfuscateAt(pixels, 0, out, 0);
      return out;
    },
    deobfuscate(obf: Uint8Array): Uint8Array {
      checkPixels(obf, size, 'obfuscated image');
      const out = new Uint8Array(pixelCount);
      // plain[i] = obf[inverse[i]] ^ keystream[inverse[i]]
      for (let i = 0; i < pixelCount; i++) {
        const j = inverse[i]!;
        out[i] = obf[j]! ^ keystream[j]!;
      }
      return out;
    },
    obfuscateBatch(images: Uint8Array): Uint8Array {
      if (!(images instanceof Uint8Array) || images.length % pixelCount !== 0) {
        throw new RangeError(
          `a batch must hold whole ${size}×${size} images (${pixelCount} bytes each); got ${images.length} bytes`,
        );
      }
      const out = new Uint8Array(images.length);
      for (let off = 0; off < images.length; off += pixelCount) obfuscateAt(images, off, out, off);
      return out;
    },
  });
}
