import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adjacentCorrelation } from './correlation.ts';

/** Reference Pearson over explicit pair lists. */
function pearson(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b) / n;
  const my = ys.reduce((a, b) => a + b) / n;
  let c = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    c += (xs[i]! - mx) * (ys[i]! - my);
    vx += (xs[i]! - mx) ** 2;
    vy += (ys[i]! - my) ** 2;
  }
  return c / Math.sqrt(vx * vy);
}

describe('adjacent-pixel correlation', () => {
  it('horizontal ramp: 1 horizontally; vertical stripes: −1 vertically', () => {
    const n = 8;
    const ramp = Uint8Array.from({ length: n * n }, (_, i) => (i % n) * 30);
    const r = adjacentCorrelation([ramp], n);
    expect(r.horizontal).toBeCloseTo(1, 12);
    expect(r.pairs).toEqual({ horizontal: 56, vertical: 56, diagonal: 49 });
    // Alternating rows 0/255: each vertical neighbour is the opposite value.
    const rows = Uint8Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) % 2) * 255);
    expect(adjacentCorrelation([rows], n).vertical).toBeCloseTo(-1, 12);
    // Pooled over rows, horizontal pairs are (0,0) or (255,255): perfectly correlated.
    expect(adjacentCorrelation([rows], n).horizontal).toBeCloseTo(1, 12);
    expect(adjacentCorrelation([new Uint8Array(n * n).fill(9)], n).vertical).toBeNull();
  });

  it('pools all pairs of all images, matching a direct computation', () => {
    const n = 5;
    const imgs = [0, 1, 2].map(() => new Uint8Array(randomBytes(n * n)));
    const xs: number[] = [];
    const ys: number[] = [];
    for (const img of imgs) {
      for (let y = 0; y < n - 1; y++) {
        for (let x = 0; x < n - 1; x++) {
          xs.push(img[y * n + x]!);
          ys.push(img[(y + 1) * n + x + 1]!);
        }
      }
    }
    expect(adjacentCorrelation(imgs, n).diagonal).toBeCloseTo(pearson(xs, ys), 10);
  });

  it('random images are near 0', () => {
    const imgs = [0, 1, 2, 3].map(() => new Uint8Array(randomBytes(64 * 64)));
    const r = adjacentCorrelation(imgs, 64);
    for (const v of [r.horizontal, r.vertical, r.diagonal]) expect(Math.abs(v!)).toBeLessThan(0.05);
  });
});
