// Correlation of adjacent pixels (horizontal, vertical, diagonal), over ALL adjacent pairs of
// every image, pooled: the sums are accumulated across images and one Pearson coefficient is
// computed per direction. Natural images sit near 1; a good cipher near 0.

export type Direction = 'horizontal' | 'vertical' | 'diagonal';
export const DIRECTIONS: readonly Direction[] = ['horizontal', 'vertical', 'diagonal'];

const OFFSETS: Record<Direction, readonly [number, number]> = {
  horizontal: [1, 0],
  vertical: [0, 1],
  diagonal: [1, 1],
};

/** Running sums for one direction; exact in doubles up to ~2^53 / 255² ≈ 1.4e11 pairs. */
class PairSums {
  n = 0;
  sx = 0;
  sy = 0;
  sxx = 0;
  syy = 0;
  sxy = 0;

  pearson(): number | null {
    const { n } = this;
    const cov = n * this.sxy - this.sx * this.sy;
    const vx = n * this.sxx - this.sx * this.sx;
    const vy = n * this.syy - this.sy * this.sy;
    // A constant image has no defined correlation: say so rather than print NaN.
    if (n < 2 || vx <= 0 || vy <= 0) return null;
    return cov / Math.sqrt(vx * vy);
  }
}

export class AdjacentCorrelation {
  readonly #size: number;
  readonly #sums: Record<Direction, PairSums> = {
    horizontal: new PairSums(),
    vertical: new PairSums(),
    diagonal: new PairSums(),
  };

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2) throw new RangeError('image side must be ≥ 2');
    this.#size = size;
  }

  /** Add every adjacent pair of one N×N image (row-major). */
  add(pixels: Uint8Array): void {
    const n = this.#size;
    if (pixels.length !== n * n)
      throw new RangeError(`expected ${n}×${n} pixels, got ${pixels.length}`);
    for (const d of DIRECTIONS) {
      const [dx, dy] = OFFSETS[d];
      const s = this.#sums[d];
      // Per-image integer partial sums stay exact, then fold into the doubles once.
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let y = 0; y + dy < n; y++) {
        for (let x = 0; x + dx < n; x++) {
          const a = pixels[y * n + x]!;
          const b = pixels[(y + dy) * n + x + dx]!;
          sx += a;
          sy += b;
          sxx += a * a;
          syy += b * b;
          sxy += a * b;
        }
      }
      s.n += (n - dx) * (n - dy);
      s.sx += sx;
      s.sy += sy;
      s.sxx += sxx;
      s.syy += syy;
      s.sxy += sxy;
    }
  }

  result(): Record<Direction, number | null> & { pairs: Record<Direction, number> } {
    return {
      horizontal: this.#sums.horizontal.pearson(),
      vertical: this.#sums.vertical.pearson(),
      diagonal: this.#sums.diagonal.pearson(),
      pairs: {
        horizontal: this.#sums.horizontal.n,
        vertical: this.#sums.vertical.n,
        diagonal: this.#sums.diagonal.n,
      },
    };
  }
}

export function adjacentCorrelation(images: readonly Uint8Array[], size: number) {
  const acc = new AdjacentCorrelation(size);
  for (const img of images) acc.add(img);
  return acc.result();
}
