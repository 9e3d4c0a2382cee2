// Chosen-plaintext attacks on "permute, then XOR with a fixed keystream" — run for real against
// an encryption oracle (the obfuscator under an unknown key), then used to decrypt unseen
// ciphertexts. The cipher is C[j] = P[g[j]] ⊕ K[j] for a secret gather table g and keystream K.
//
// GENERIC attack (assumes nothing about g): 1 + ⌈log₂₅₆(N²)⌉ chosen images.
//   • the all-zero image gives C₀ = K: the keystream, directly;
//   • label images L_b[i] = byte b of the position i give (C_b ⊕ K)[j] = byte b of g[j], so g is
//     read off byte by byte. Two label bytes cover N² ≤ 65,536 positions (N ≤ 256), so THREE
//     chosen images suffice for 64×64 (4,096 pixels) — and for N up to 256. They are also
//     necessary for an arbitrary permutation once N² > 696 (e.g. 64×64): two images reveal at
//     most 2·8·N² = 65,536 bits, but (K, g) carries 8·N² + log₂((N²)!) ≈ 32,768 + 43,250 bits.
//     For N ≤ 16 (≤ 256 positions) two images suffice.
//
// KNOWN plaintexts also suffice with the structure: two or three pairs (see
// recoverArnoldKnownPlaintext).
//
// ARNOLD attack (uses the public structure of the scheme, Kerckhoffs): TWO chosen images. The
// zero image gives K; one labelled image then pins the permutation down by trying every
// (a, b, n) — at most (N−1)²·period ≈ 10⁶ candidates for N = 64, milliseconds of work.
// Fewer is impossible: one chosen image leaves the N² keystream bytes (AES-CTR output) unknown.
import { createHash } from 'node:crypto';
import { arnoldPeriod } from '../arnold-xor.ts';

export type EncryptionOracle = (plain: Uint8Array) => Uint8Array;

export interface RecoveredCipher {
  readonly size: number;
  /** Keystream K: C[j] = P[gather[j]] ⊕ K[j]. */
  readonly keystream: Uint8Array;
  readonly gather: Uint32Array;
}

export function genericChosenImageCount(size: number): number {
  const positions = size * size;
  let bytes = 0;
  while (256 ** bytes < positions) bytes++;
  return 1 + Math.max(1, bytes);
}

/** The chosen plaintexts of the generic attack: all-zero, then one image per label byte. */
export function craftGenericChosenImages(size: number): Uint8Array[] {
  const count = genericChosenImageCount(size);
  const images = [new Uint8Array(size * size)];
  for (let b = 0; b < count - 1; b++) {
    images.push(Uint8Array.from({ length: size * size }, (_, i) => Math.floor(i / 256 ** b) % 256));
  }
  return images;
}

/** Read K and g off the oracle's answers to craftGenericChosenImages. */
export function recoverGeneric(size: number, ciphertexts: readonly Uint8Array[]): RecoveredCipher {
  const positions = size * size;
  if (ciphertexts.length !== genericChosenImageCount(size)) {
    throw new RangeError(`expected ${genericChosenImageCount(size)} chosen ciphertexts`);
  }
  const keystream = Uint8Array.from(ciphertexts[0]!);
  const gather = new Uint32Array(positions);
  const seen = new Uint8Array(positions);
  for (let j = 0; j < positions; j++) {
    let label = 0;
    for (let b = 1; b < ciphertexts.length; b++) {
      label += (ciphertexts[b]![j]! ^ keystream[j]!) * 256 ** (b - 1);
    }
    if (label >= positions || seen[label]) {
      throw new Error(
        'the oracle is not a permute-then-XOR cipher: labels do not form a permutation',
      );
    }
    seen[label] = 1;
    gather[j] = label;
  }
  return { size, keystream, gather };
}

/** Arnold attack: K from the zero image, (a, b, n) by search against one labelled image. */
type Mat2 = [number, number, number, number];

/**
 * Searches the Arnold family (the identity, then every a, b in 1..N−1 and n below the period)
 * for a gather table g with source[g[j]] = target[j] for every constraint and every j.
 * Returns null when none fits.
 */
export function searchArnoldGather(
  size: number,
  constraints: readonly { source: Uint8Array; target: Uint8Array }[],
): { gather: Uint32Array; candidatesTried: number } | null {
  const positions = size * size;
  // Destinations checked first: a handful spread over the image; the full check follows.
  const probes = Array.from({ length: 32 }, (_, k) => (k * 2654435761) % positions);
  let tried = 0;
  const attempt = (p: Mat2): Uint32Array | null => {
    tried++;
    // Source of destination (x', y') is P⁻¹(x', y'), P⁻¹ = [[s, −q], [−r, p]] (det 1).
    const src = (j: number) => {
      const xd = j % size;
      const yd = Math.floor(j / size);
      const xs = (((p[3] * xd - p[1] * yd) % size) + size) % size;
      const ys = (((p[0] * yd - p[2] * xd) % size) + size) % size;
      return ys * size + xs;
    };
    const fits = (js: Iterable<number>, g: (j: number) => number) => {
      for (const j of js) {
        for (const c of constraints) if (c.source[g(j)] !== c.target[j]) return false;
      }
      return true;
    };
    if (!fits(probes, src)) return null;
    const gather = Uint32Array.from({ length: positions }, (_, j) => src(j));
    return fits(gather.keys(), (j) => gather[j]!) ? gather : null;
  };
  // The identity first: the 'xor' condition does not permute at all.
  const identity = attempt([1, 0, 0, 1]);
  if (identity) return { gather: identity, candidatesTried: tried };
  for (let a = 1; a < size; a++) {
    for (let b = 1; b < size; b++) {
      const m: Mat2 = [1, a, b, (a * b + 1) % size];
      const period = arnoldPeriod(size, a, b);
      let p: Mat2 = [...m];
      for (let n = 1; n < period; n++) {
        const gather = attempt(p);
        if (gather) return { gather, candidatesTried: tried };
        p = [
          (p[0] * m[0] + p[1] * m[2]) % size,
          (p[0] * m[1] + p[1] * m[3]) % size,
          (p[2] * m[0] + p[3] * m[2]) % size,
          (p[2] * m[1] + p[3] * m[3]) % size,
        ];
      }
    }
  }
  return null;
}

export function recoverArnold(
  size: number,
  oracle: EncryptionOracle,
): RecoveredCipher & { readonly candidatesTried: number } {
  const positions = size * size;
  const keystream = Uint8Array.from(oracle(new Uint8Array(positions)));
  // A pseudo-random (public, fixed) label image: a structured one such as i mod 256 can be
  // matched exactly by a wrong linear map, a random-looking one cannot (false match ≈ 256^−N²).
  const label = publicPseudoRandomImage(positions);
  const seenLabel = Uint8Array.from(oracle(label), (v, j) => v ^ keystream[j]!);
  const found = searchArnoldGather(size, [{ source: label, target: seenLabel }]);
  if (!found) throw new Error('no Arnold parameters explain the chosen ciphertexts');
  return { size, keystream, gather: found.gather, candidatesTried: found.candidatesTried };
}

/**
 * KNOWN-plaintext attack (the attacker did not choose the images): with pairs (P_m, C_m),
 * C₁ ⊕ C_m = (P₁ ⊕ P_m)∘g no longer involves the keystream, so the Arnold search runs on those
 * differences; then K = C₁ ⊕ P₁∘g. Two pairs are the minimum; a third rules out a wrong map
 * that happens to fit where two images agree (large equal backgrounds).
 */
export function recoverArnoldKnownPlaintext(
  size: number,
  pairs: readonly { plain: Uint8Array; cipher: Uint8Array }[],
): (RecoveredCipher & { readonly candidatesTried: number }) | null {
  if (pairs.length < 2) throw new RangeError('a known-plaintext attack needs at least two pairs');
  const [first, ...rest] = pairs;
  const constraints = rest.map((p) => ({
    source: p.plain.map((v, i) => v ^ first!.plain[i]!),
    target: p.cipher.map((v, j) => v ^ first!.cipher[j]!),
  }));
  const found = searchArnoldGather(size, constraints);
  if (!found) return null;
  const keystream = first!.cipher.map((v, j) => v ^ first!.plain[found.gather[j]!]!);
  return { size, keystream, gather: found.gather, candidatesTried: found.candidatesTried };
}

/** Deterministic, publicly known pseudo-random bytes (SHA-256 in counter mode). */
export function publicPseudoRandomImage(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let block = 0, off = 0; off < length; block++, off += 32) {
    const digest = createHash('sha256').update(`sealsight/cpa-label/${block}`).digest();
    out.set(digest.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

export function decryptWithRecovered(rec: RecoveredCipher, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length !== rec.gather.length) throw new RangeError('ciphertext size mismatch');
  const plain = new Uint8Array(ciphertext.length);
  for (let j = 0; j < ciphertext.length; j++)
    plain[rec.gather[j]!] = ciphertext[j]! ^ rec.keystream[j]!;
  return plain;
}

export interface DecryptionScore {
  readonly images: number;
  /** Images recovered bit-exactly. */
  readonly exactImages: number;
  readonly pixelErrorRate: number;
  readonly meanAbsPixelError: number;
  readonly maxAbsPixelError: number;
}

export function scoreDecryption(
  truth: readonly Uint8Array[],
  recovered: readonly Uint8Array[],
): DecryptionScore {
  let exact = 0;
  let wrong = 0;
  let absSum = 0;
  let max = 0;
  let pixels = 0;
  truth.forEach((t, k) => {
    const r = recovered[k]!;
    let ok = true;
    for (let i = 0; i < t.length; i++) {
      const e = Math.abs(t[i]! - r[i]!);
      if (e > 0) {
        ok = false;
        wrong++;
        absSum += e;
        max = Math.max(max, e);
      }
    }
    pixels += t.length;
    if (ok) exact++;
  });
  return {
    images: truth.length,
    exactImages: exact,
    pixelErrorRate: pixels ? wrong / pixels : 0,
    meanAbsPixelError: pixels ? absSum / pixels : 0,
    maxAbsPixelError: max,
  };
}
