// A CIPHERTEXT-ONLY attack on the fixed-key Arnold + XOR scheme: no chosen or known pairs, just
// a pile of obfuscated images (what a stolen vault holds) and a prior — the grey-level
// histogram of some images of the same kind (public data the attacker owns, not the victims').
//
// 1. Keystream. The same K[j] masks position j in every image, so position j's ciphertext
//    values across images are the plaintext values ⊕ K[j]. K̂[j] = argmax_k Σ_m log p(C_m[j] ⊕ k)
//    under the prior p: a maximum-likelihood estimate that sharpens with more images.
// 2. Permutation. The Arnold map is LINEAR: horizontal neighbours (x, y), (x+1, y) land at a
//    fixed offset u = P·(1, 0) of each other, vertical ones at v = P·(0, 1), everywhere. So the
//    offsets with the strongest correlation between de-XORed pixels are ±u, ±v; P = [u v] is
//    the pair with det ≡ 1 (mod N) whose un-permuted images are smoothest. P·R, P·R², P·R³
//    (R = [[0, 1], [−1, 0]], the image turned by 90°, 180°, 270°) have det 1 too and fit equally
//    well, so the attacker keeps the four rotations; one of them is the image.
// (Tried and dropped: re-choosing each K[j] to make unmasked pixels agree with their neighbours
// lowered the mean pixel error a little but recovered FEWER bytes exactly, at 6× the time.)
export interface CiphertextOnlyEstimate {
  readonly keystream: Uint8Array;
  /**
   * Forward matrix candidates [p00, p01, p10, p11]: the best fit and its 90°, 180°, 270° turns;
   * empty when the attack found no candidate.
   */
  readonly matrices: readonly Mat2[];
  readonly gathers: readonly Uint32Array[];
}

export type Mat2 = readonly [number, number, number, number];

/** Maximum-likelihood keystream under a prior grey-level histogram (add-½ smoothed). */
export function estimateKeystream(
  ciphertexts: readonly Uint8Array[],
  prior: ArrayLike<number>,
): Uint8Array {
  if (ciphertexts.length === 0) throw new RangeError('no ciphertexts');
  let total = 0;
  for (let v = 0; v < 256; v++) total += prior[v]!;
  const logp = Float64Array.from({ length: 256 }, (_, v) =>
    Math.log((prior[v]! + 0.5) / (total + 128)),
  );
  const pixels = ciphertexts[0]!.length;
  const keystream = new Uint8Array(pixels);
  const counts = new Uint32Array(256);
  const seen: number[] = [];
  for (let j = 0; j < pixels; j++) {
    counts.fill(0);
    seen.length = 0;
    for (const c of ciphertexts) {
      const v = c[j]!;
      if (counts[v]++ === 0) seen.push(v);
    }
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < 256; k++) {
      let score = 0;
      for (const v of seen) score += counts[v]! * logp[v ^ k]!;
      if (score > bestScore) {
        bestScore = score;
        best = k;
      }
    }
    keystream[j] = best;
  }
  return keystream;
}

/** Pooled Pearson correlation between each pixel and the pixel at offset (dx, dy) on the torus. */
export function offsetCorrelations(images: readonly Uint8Array[], size: number): Float64Array {
  const n = size * size;
  const out = new Float64Array(n);
  let sx = 0;
  let sxx = 0;
  for (const img of images) {
    for (let i = 0; i < n; i++) {
      sx += img[i]!;
      sxx += img[i]! * img[i]!;
    }
  }
  const count = n * images.length;
  // On the torus both members of every pair range over all pixels: same mean and variance.
  const mean = sx / count;
  const variance = sxx / count - mean * mean;
  for (let dy = 0; dy < size; dy++) {
    for (let dx = 0; dx < size; dx++) {
      let sxy = 0;
      for (const img of images) {
        for (let y = 0; y < size; y++) {
          const row = y * size;
          const row2 = ((y + dy) % size) * size;
          for (let x = 0; x < size; x++) {
            const x2 = x + dx < size ? x + dx : x + dx - size;
            sxy += img[row + x]! * img[row2 + x2]!;
          }
        }
      }
      out[dy * size + dx] = variance > 0 ? (sxy / count - mean * mean) / variance : 0;
    }
  }
  return out;
}

function gatherFor(p: Mat2, size: number): Uint32Array {
  // Destination j = (x', y') comes from P⁻¹(x', y'); P⁻¹ = [[s, −q], [−r, p]] as det P = 1.
  const g = new Uint32Array(size * size);
  for (let yd = 0; yd < size; yd++) {
    for (let xd = 0; xd < size; xd++) {
      const xs = (((p[3] * xd - p[1] * yd) % size) + size) % size;
      const ys = (((p[0] * yd - p[2] * xd) % size) + size) % size;
      g[yd * size + xd] = ys * size + xs;
    }
  }
  return g;
}

function unpermute(c: Uint8Array, gather: Uint32Array): Uint8Array {
  const out = new Uint8Array(c.length);
  for (let j = 0; j < c.length; j++) out[gather[j]!] = c[j]!;
  return out;
}

/** Mean of horizontal and vertical neighbour correlation (no wrap): how "natural" images look. */
function smoothness(images: readonly Uint8Array[], size: number): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (const img of images) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const a = img[y * size + x]!;
        for (const b of [
          x + 1 < size ? img[y * size + x + 1] : undefined,
          y + 1 < size ? img[(y + 1) * size + x] : undefined,
        ]) {
          if (b === undefined) continue;
          n++;
          sa += a;
          sb += b;
          saa += a * a;
          sbb += b * b;
          sab += a * b;
        }
      }
    }
  }
  const cov = n * sab - sa * sb;
  const den = Math.sqrt((n * saa - sa * sa) * (n * sbb - sb * sb));
  return den > 0 ? cov / den : 0;
}

/**
 * Runs both steps on `ciphertexts` (N×N each) with the attacker's `prior` histogram. Uses up to
 * `sample` ciphertexts for the permutation search (it needs few; the keystream uses all).
 */
export function ciphertextOnlyAttack(
  ciphertexts: readonly Uint8Array[],
  size: number,
  prior: ArrayLike<number>,
  sample = 16,
): CiphertextOnlyEstimate {
  const keystream = estimateKeystream(ciphertexts, prior);
  const step = Math.max(1, Math.floor(ciphertexts.length / sample));
  const picked = ciphertexts.filter((_, m) => m % step === 0).slice(0, sample);
  const dexored = picked.map((c) => c.map((v, j) => v ^ keystream[j]!));
  const corr = offsetCorrelations(dexored, size);
  // The strongest offsets, one per ± pair (corr(u) = corr(−u) on the torus).
  const ranked = Array.from(corr.keys())
    .filter((o) => o !== 0)
    .sort((a, b) => corr[b]! - corr[a]!);
  const offsets: [number, number][] = [];
  for (const o of ranked) {
    const dx = o % size;
    const dy = Math.floor(o / size);
    const neg: [number, number] = [(size - dx) % size, (size - dy) % size];
    if (!offsets.some(([x, y]) => (x === neg[0] && y === neg[1]) || (x === dx && y === dy))) {
      offsets.push([dx, dy]);
    }
    if (offsets.length === 6) break;
  }
  let best: { p: Mat2; score: number } | null = null;
  for (const u of offsets) {
    for (const v of offsets) {
      for (const sv of [1, -1]) {
        const vx = (((sv * v[0]) % size) + size) % size;
        const vy = (((sv * v[1]) % size) + size) % size;
        const det = (((u[0] * vy - vx * u[1]) % size) + size) % size;
        if (det !== 1 % size) continue;
        const p: Mat2 = [u[0], vx, u[1], vy];
        const g = gatherFor(p, size);
        const score = smoothness(
          dexored.map((c) => unpermute(c, g)),
          size,
        );
        if (!best || score > best.score) best = { p, score };
      }
    }
  }
  // Too few or too noisy images: no det-1 pair among the strongest offsets. Say so, no guess.
  if (!best) return { keystream, matrices: [], gathers: [] };
  // P·R = [[−p01, p00], [−p11, p10]]: the reconstructed image turned by 90°.
  const matrices: Mat2[] = [best.p];
  for (let r = 1; r < 4; r++) {
    const q = matrices[r - 1]!;
    matrices.push([(size - q[1]) % size, q[0], (size - q[3]) % size, q[2]]);
  }
  return { keystream, matrices, gathers: matrices.map((m) => gatherFor(m, size)) };
}
