// The RNS kernel on its own (no SEAL): every GEMM word against BigInt arithmetic, for
// narrow and wide primes, with the largest residues and as many rows as the bounds allow
// (the accumulators' worst case), and the bounds themselves are the tightest that hold.
import { describe, expect, it } from 'vitest';
import { LIMB_BITS, maxTermsPerFlush, RnsKernel } from './rns-kernel.ts';
import { mulberry32 } from '../../ml/random.ts';

const TOP = 2n ** 64n - 1n;
const TILE = 16;

/** A random residue below q (two 20-bit draws, so all 40 bits vary). */
function residue(random: () => number, q: bigint): bigint {
  const draw = Math.floor(random() * 2 ** 20) * 2 ** 20 + Math.floor(random() * 2 ** 20);
  return BigInt(draw) % q;
}

/** C_u = C_u + Σ_r w[u][r] · y[r] mod q through the kernel, against BigInt; returns C. */
function checkGemm(q: bigint, rows: number, values: (r: number) => bigint, accumulate: boolean) {
  const kernel = new RnsKernel();
  const n = 64;
  const units = 3;
  const wide = q >= 2n ** 32n;
  const random = mulberry32(Number(q % 1000n) + rows);
  const y = Array.from({ length: rows }, () => Array.from({ length: n }, () => values(0)));
  const w = Array.from({ length: units }, (_, u) =>
    Array.from({ length: rows }, (_, r) => (u === 0 ? values(r) : residue(random, q))),
  );
  const c = Array.from({ length: units }, () => Array.from({ length: n }, () => values(1)));
  const planeBytes = rows * n * 4;
  const yAt = kernel.alloc(2 * planeBytes);
  const src = kernel.alloc(n * 8);
  const wAt = kernel.alloc(units * rows * 8);
  const unitStride = n * 8;
  const cAt = kernel.alloc(units * unitStride);
  const tileStride = rows * TILE * 4;
  for (let r = 0; r < rows; r++) {
    new BigUint64Array(kernel.bytes.buffer, src, n).set(y[r]!);
    if (wide) kernel.unpackWide(src, yAt + r * TILE * 4, planeBytes, n / TILE, TILE, tileStride);
    else kernel.unpackNarrow(src, yAt + r * TILE * 4, n / TILE, TILE, tileStride);
  }
  const weights = new Uint32Array(kernel.bytes.buffer, wAt, units * rows * 2);
  const limb = (1n << BigInt(LIMB_BITS)) - 1n;
  w.forEach((row, u) =>
    row.forEach((value, r) => {
      if (!wide) weights[u * rows + r] = Number(value);
      else {
        weights[2 * (u * rows + r)] = Number(value & limb);
        weights[2 * (u * rows + r) + 1] = Number(value >> BigInt(LIMB_BITS));
      }
    }),
  );
  c.forEach((row, u) => {
    if (wide) new BigUint64Array(kernel.bytes.buffer, cAt + u * unitStride, n).set(row);
    else new Uint32Array(kernel.bytes.buffer, cAt + u * unitStride, n).set(row.map(Number));
  });
  kernel.gemm({
    y: yAt,
    hi: planeBytes,
    rowStride: TILE * 4,
    tileStride,
    rows,
    tiles: n / TILE,
    tileWords: TILE,
    w: wAt,
    units,
    c: cAt,
    unitStride,
    q,
    accumulate,
  });
  for (let u = 0; u < units; u++) {
    let got: bigint[];
    if (wide) got = [...new BigUint64Array(kernel.bytes.buffer, cAt + u * unitStride, n)];
    else {
      const packed = kernel.alloc(n * 8);
      kernel.packNarrow(cAt + u * unitStride, packed, n);
      got = [...new BigUint64Array(kernel.bytes.buffer, packed, n)];
      kernel.release(packed);
    }
    const want = Array.from({ length: n }, (_, k) => {
      let sum = accumulate ? c[u]![k]! : 0n;
      for (let r = 0; r < rows; r++) sum += w[u]![r]! * y[r]![k]!;
      return sum % q;
    });
    expect(got).toEqual(want);
  }
}

describe('RNS kernel', () => {
  it('sums narrow primes exactly at the flush bound with the largest residues', () => {
    // A 28-bit prime of the chain's kind, 2^31 − 1, and the largest prime below 2^32.
    for (const q of [268369921n, 2147483647n, 4294967291n]) {
      const rows = Math.min(maxTermsPerFlush(q), 300);
      checkGemm(q, rows, () => q - 1n, true);
      const random = mulberry32(3);
      checkGemm(q, rows, () => residue(random, q), true);
      checkGemm(q, Math.min(rows, 5), () => residue(random, q), false);
    }
  });

  it('sums wide primes (two 20-bit limbs) exactly', () => {
    for (const q of [549755813881n, 1099511627689n]) {
      checkGemm(q, 300, () => q - 1n, true);
      const random = mulberry32(4);
      checkGemm(q, 257, () => residue(random, q), true);
      checkGemm(q, 3, () => residue(random, q), false);
    }
  });

  it('has the tightest flush bounds under which no accumulator wraps', () => {
    for (const q of [268369921n, 268582913n, 2147483647n, 4294967291n]) {
      const b = BigInt(maxTermsPerFlush(q));
      const m = q - 1n;
      expect(b * m * m + m).toBeLessThanOrEqual(TOP);
      expect((b + 1n) * m * m + m).toBeGreaterThan(TOP);
    }
    expect(maxTermsPerFlush(268369921n)).toBeGreaterThanOrEqual(256);
    const limb = 2n ** 20n - 1n;
    for (const q of [549755813881n, 1099511627689n]) {
      const b = BigInt(maxTermsPerFlush(q));
      const m = q - 1n;
      const fits = (terms: bigint) =>
        (m << 20n) + 2n * terms * limb * limb <= TOP && (m << 20n) + m + terms * limb * limb <= TOP;
      expect(fits(b)).toBe(true);
      expect(fits(b + 1n)).toBe(false);
    }
    expect(() => maxTermsPerFlush(2n ** 40n + 15n)).toThrow(/below 2\^40/);
  });

  it('refuses a flush longer than its bound', () => {
    const kernel = new RnsKernel();
    const q = 4294967291n;
    const at = kernel.alloc(4096);
    const gemm = { y: at, rowStride: 64, tileStride: 128, tiles: 1, tileWords: 16, w: at };
    const rest = { units: 1, c: at, unitStride: 64, q, accumulate: true };
    expect(() => kernel.gemm({ ...gemm, ...rest, rows: 2 })).toThrow(/out of bounds/);
    expect(() => kernel.release(at + 8192)).toThrow(/not allocated/);
    // Regions freed out of order are taken back once everything above them is free.
    const a = kernel.alloc(100);
    const b = kernel.alloc(100);
    kernel.release(a);
    expect(kernel.top).toBe(b + 128);
    kernel.release(b);
    expect(kernel.top).toBe(a);
    kernel.release(at);
    expect(kernel.alloc(64)).toBe(at);
  });
});
