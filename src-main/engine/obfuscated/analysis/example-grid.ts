// Example rows as one grayscale PNG: columns plaintext | Arnold only | Arnold + XOR (what is
// stored) | ciphertext-only recovery. Pixels are enlarged by whole factors (nearest), so what
// you see is exactly the data, not an interpolation.
import sharp from 'sharp';
import type { ExampleRow } from './security-report.ts';

export const EXAMPLE_COLUMNS = [
  'plaintext',
  'Arnold only',
  'Arnold + XOR (stored)',
  'ciphertext-only recovery',
] as const;

const GAP = 4;

export async function exampleGridPng(
  rows: readonly ExampleRow[],
  size: number,
  scale = 2,
): Promise<Buffer> {
  if (rows.length === 0) throw new RangeError('no example rows');
  const tile = size * scale;
  const width = EXAMPLE_COLUMNS.length * tile + (EXAMPLE_COLUMNS.length + 1) * GAP;
  const height = rows.length * tile + (rows.length + 1) * GAP;
  const canvas = new Uint8Array(width * height).fill(255);
  rows.forEach((row, r) => {
    const tiles = [row.plaintext, row.arnoldOnly, row.obfuscated, row.ciphertextOnly];
    tiles.forEach((img, c) => {
      const x0 = GAP + c * (tile + GAP);
      const y0 = GAP + r * (tile + GAP);
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          // A missing recovery is drawn mid-grey.
          const v = img ? img[Math.floor(y / scale) * size + Math.floor(x / scale)]! : 128;
          canvas[(y0 + y) * width + x0 + x] = v;
        }
      }
    });
  });
  return sharp(canvas, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}
