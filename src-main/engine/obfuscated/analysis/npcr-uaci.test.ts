import { describe, expect, it } from 'vitest';
import { judgeNpcrUaci, npcr, npcrUaciCritical, uaci } from './npcr-uaci.ts';

const pct = (x: number) => Number((100 * x).toFixed(4));

describe('NPCR / UACI', () => {
  it('known answer on a 2×2 pair', () => {
    const c1 = Uint8Array.from([0, 0, 0, 0]);
    const c2 = Uint8Array.from([255, 0, 128, 0]);
    expect(npcr(c1, c2)).toBe(0.5);
    expect(uaci(c1, c2)).toBeCloseTo((255 + 128) / (255 * 4), 15); // 37.549 %
    expect(npcr(c1, c1)).toBe(0);
    expect(uaci(c2, c1)).toBe(uaci(c1, c2));
    expect(() => npcr(c1, new Uint8Array(3))).toThrow(/same non-zero size/);
  });

  it('critical values reproduce Wu–Noonan–Agaian 2011 (256×256 and 512×512)', () => {
    const table: [number, number, number, number, number][] = [
      // pixels, α, N*_α %, U*−_α %, U*+_α %  (the paper's tables)
      [256 * 256, 0.05, 99.5693, 33.2824, 33.6447],
      [256 * 256, 0.01, 99.5527, 33.2255, 33.7016],
      [256 * 256, 0.001, 99.5341, 33.1594, 33.7677],
      [512 * 512, 0.05, 99.5893, 33.373, 33.5541],
      [512 * 512, 0.01, 99.581, 33.3445, 33.5826],
    ];
    for (const [pixels, alpha, n, lo, hi] of table) {
      const c = npcrUaciCritical(pixels, alpha);
      expect(pct(c.npcrCritical)).toBeCloseTo(n, 4);
      expect(pct(c.uaciLower)).toBeCloseTo(lo, 4);
      expect(pct(c.uaciUpper)).toBeCloseTo(hi, 4);
    }
  });

  it('the UACI mean and variance formulas match exact enumeration over all pixel pairs', () => {
    let sum = 0;
    let sumSq = 0;
    for (let x = 0; x <= 255; x++) {
      for (let y = 0; y <= 255; y++) {
        const d = Math.abs(x - y) / 255;
        sum += d;
        sumSq += d * d;
      }
    }
    const mean = sum / 65536;
    const variance = sumSq / 65536 - mean * mean;
    const c = npcrUaciCritical(1, 0.05); // one pixel: σ² is the per-pixel variance
    expect(c.uaciExpected).toBeCloseTo(mean, 11);
    const zU = 1.959963985;
    expect((c.uaciUpper - c.uaciExpected) / zU).toBeCloseTo(Math.sqrt(variance), 8);
  });

  it('64×64 critical values, and a one-pixel difference fails both tests', () => {
    const c = npcrUaciCritical(64 * 64, 0.05);
    expect(pct(c.npcrCritical)).toBeCloseTo(99.4491, 4);
    const a = new Uint8Array(4096);
    const b = Uint8Array.from(a);
    b[100] = 200;
    const r = judgeNpcrUaci(a, b, c);
    expect(r.npcr).toBe(1 / 4096);
    expect(r.uaci).toBeCloseTo(200 / 255 / 4096, 15);
    expect(r.npcrPass).toBe(false);
    expect(r.uaciPass).toBe(false);
  });
});
