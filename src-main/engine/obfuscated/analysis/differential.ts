// Differential analyses with NPCR/UACI:
// • plaintext sensitivity: two plaintexts differing in ONE pixel (by one grey level), same key.
//   A cipher with diffusion changes ≈ 99.6 % of the output; permute-then-XOR moves the single
//   changed pixel somewhere else and changes nothing more, so NPCR = 1/(MN) exactly.
// • key sensitivity: the same plaintext under two keys differing in one bit. The keystream and
//   the Arnold parameters both come from HKDF, so here the outputs look independent.
import { createObfuscator } from '../arnold-xor.ts';
import type { ObfuscationCondition } from '../arnold-xor.ts';
import { judgeNpcrUaci } from './npcr-uaci.ts';
import type { NpcrUaciCritical } from './npcr-uaci.ts';

export interface DifferentialSummary {
  readonly pairs: number;
  readonly meanNpcr: number;
  readonly minNpcr: number;
  readonly maxNpcr: number;
  readonly meanUaci: number;
  /** Share of pairs passing each test at the critical values' α. */
  readonly npcrPassRate: number;
  readonly uaciPassRate: number;
}

function summarize(
  results: { npcr: number; uaci: number; npcrPass: boolean; uaciPass: boolean }[],
) {
  const n = results.length;
  if (n === 0) throw new RangeError('no image pairs to summarise');
  return {
    pairs: n,
    meanNpcr: results.reduce((s, r) => s + r.npcr, 0) / n,
    minNpcr: Math.min(...results.map((r) => r.npcr)),
    maxNpcr: Math.max(...results.map((r) => r.npcr)),
    meanUaci: results.reduce((s, r) => s + r.uaci, 0) / n,
    npcrPassRate: results.filter((r) => r.npcrPass).length / n,
    uaciPassRate: results.filter((r) => r.uaciPass).length / n,
  };
}

/** Pixel changed in image k: spread over the image deterministically (reproducible reports). */
export function changedPixelIndex(k: number, pixels: number): number {
  return (k * 2654435761 + 12345) % pixels;
}

export function onePixelDifferential(
  key: Uint8Array,
  size: number,
  condition: ObfuscationCondition,
  images: readonly Uint8Array[],
  critical: NpcrUaciCritical,
): DifferentialSummary {
  const o = createObfuscator(key, size, condition);
  const results = images.map((img, k) => {
    const changed = Uint8Array.from(img);
    const i = changedPixelIndex(k, img.length);
    changed[i] = img[i]! < 255 ? img[i]! + 1 : 254; // exactly one grey level
    return judgeNpcrUaci(o.obfuscate(img), o.obfuscate(changed), critical);
  });
  return summarize(results);
}

export interface KeySensitivity extends DifferentialSummary {
  /** Which key bit was flipped (0 = least significant bit of byte 0). */
  readonly bit: number;
}

export function keySensitivity(
  key: Uint8Array,
  size: number,
  condition: ObfuscationCondition,
  images: readonly Uint8Array[],
  critical: NpcrUaciCritical,
  bits: readonly number[] = [0, 85, 170, 255],
): KeySensitivity[] {
  const o = createObfuscator(key, size, condition);
  const base = images.map((img) => o.obfuscate(img));
  return bits.map((bit) => {
    const flipped = Uint8Array.from(key);
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    const o2 = createObfuscator(flipped, size, condition);
    flipped.fill(0);
    const results = images.map((img, k) => judgeNpcrUaci(base[k]!, o2.obfuscate(img), critical));
    return { bit, ...summarize(results) };
  });
}
