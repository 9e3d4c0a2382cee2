// Ciphertexts of uniformly random words (valid residues, encrypting nothing in
// particular), for tests that compare two ways of computing on ciphertexts byte for
// byte: any valid ciphertext serves there, and writing words is far faster than encrypting.
import type { Ciphertext } from 'node-seal/throws';
import type { Seal } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';
import { toBytes } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';

/**
 * `like`'s uncompressed serialisation with every data word replaced: by a random residue
 * of its prime, or by `word(q)` when given (e.g. q − 1, the largest).
 */
export function randomLike(
  seal: Seal,
  primes: readonly bigint[],
  like: Ciphertext,
  random: () => number,
  word?: (q: number) => number,
): Uint8Array {
  const raw = toBytes(like.saveToArray(seal.ComprModeType.none));
  const count = like.coeffModulusSize();
  const n = like.polyModulusDegree();
  const halves = new Uint32Array(2 * like.size() * count * n);
  for (let s = 0; s < like.size() * count; s++) {
    const q = Number(primes[s % count]!);
    for (let k = 0; k < n; k++) {
      // Two 20-bit draws: every bit of a 40-bit word is random (one draw has 32 bits).
      const draw = Math.floor(random() * 2 ** 20) * 2 ** 20 + Math.floor(random() * 2 ** 20);
      const value = word ? word(q) : draw % q;
      halves[2 * (s * n + k)] = value % 2 ** 32;
      halves[2 * (s * n + k) + 1] = Math.floor(value / 2 ** 32);
    }
  }
  raw.set(new Uint8Array(halves.buffer), raw.length - halves.byteLength);
  return raw;
}
