// NPCR and UACI, and their critical values from Y. Wu, J. P. Noonan, S. Agaian, "NPCR and UACI
// Randomness Tests for Image Encryption", Cyber Journals JSAT, April 2011.
//
// For two ciphertexts C1, C2 of M×N pixels with F = 255 (largest pixel value):
//   NPCR = (1/MN) Σ [C1 ≠ C2]             UACI = (1/MN) Σ |C1 − C2| / F
// For two independent uniformly random images (what an ideal cipher gives):
//   μ_N = F/(F+1),  σ²_N = F / ((F+1)² MN)
//   μ_U = (F+2)/(3F+3),  σ²_U = (F+2)(F²+2F+3) / (18 (F+1)² MN F)
// (σ²_U follows from Var|X−Y| = F(F+2)(F²+2F+3) / (18(F+1)²) for X, Y uniform on 0..F.)
// Critical values at level α:  N*_α = μ_N − Φ⁻¹(1−α) σ_N   (pass if NPCR ≥ N*_α)
//   U*_α± = μ_U ± Φ⁻¹(1−α/2) σ_U                             (pass if U*− ≤ UACI ≤ U*+)
import { normalQuantile } from './normal.ts';

export const MAX_PIXEL = 255;

function checkPair(c1: Uint8Array, c2: Uint8Array): void {
  if (c1.length !== c2.length || c1.length === 0) {
    throw new RangeError(
      `NPCR/UACI need two images of the same non-zero size (got ${c1.length} and ${c2.length})`,
    );
  }
}

/** Fraction (0..1) of pixel positions whose values differ. */
export function npcr(c1: Uint8Array, c2: Uint8Array): number {
  checkPair(c1, c2);
  let differ = 0;
  for (let i = 0; i < c1.length; i++) if (c1[i] !== c2[i]) differ++;
  return differ / c1.length;
}

/** Mean absolute difference as a fraction (0..1) of the largest pixel value. */
export function uaci(c1: Uint8Array, c2: Uint8Array): number {
  checkPair(c1, c2);
  let sum = 0;
  for (let i = 0; i < c1.length; i++) sum += Math.abs(c1[i]! - c2[i]!);
  return sum / (MAX_PIXEL * c1.length);
}

export interface NpcrUaciCritical {
  readonly alpha: number;
  readonly pixels: number;
  readonly npcrExpected: number;
  /** NPCR must be ≥ this. */
  readonly npcrCritical: number;
  readonly uaciExpected: number;
  /** UACI must lie in [uaciLower, uaciUpper]. */
  readonly uaciLower: number;
  readonly uaciUpper: number;
}

export function npcrUaciCritical(pixels: number, alpha = 0.05, F = MAX_PIXEL): NpcrUaciCritical {
  if (!Number.isInteger(pixels) || pixels < 1) throw new RangeError('pixel count must be ≥ 1');
  if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be in (0, 1)');
  const muN = F / (F + 1);
  const sigmaN = Math.sqrt(F / ((F + 1) ** 2 * pixels));
  const muU = (F + 2) / (3 * F + 3);
  const sigmaU = Math.sqrt(((F + 2) * (F * F + 2 * F + 3)) / (18 * (F + 1) ** 2 * pixels * F));
  const zU = normalQuantile(1 - alpha / 2);
  return {
    alpha,
    pixels,
    npcrExpected: muN,
    npcrCritical: muN - normalQuantile(1 - alpha) * sigmaN,
    uaciExpected: muU,
    uaciLower: muU - zU * sigmaU,
    uaciUpper: muU + zU * sigmaU,
  };
}

export interface NpcrUaciResult {
  readonly npcr: number;
  readonly uaci: number;
  readonly npcrPass: boolean;
  readonly uaciPass: boolean;
}

export function judgeNpcrUaci(
  c1: Uint8Array,
  c2: Uint8Array,
  critical: NpcrUaciCritical,
): NpcrUaciResult {
  const n = npcr(c1, c2);
  const u = uaci(c1, c2);
  return {
    npcr: n,
    uaci: u,
    npcrPass: n >= critical.npcrCritical,
    uaciPass: u >= critical.uaciLower && u <= critical.uaciUpper,
  };
}
