import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exampleGridPng } from './example-grid.ts';

describe('exampleGridPng', () => {
  it('lays out rows × 4 enlarged tiles with gaps, pixels unchanged', async () => {
    const size = 4;
    const img = (v: number) => new Uint8Array(size * size).fill(v);
    const png = await exampleGridPng(
      [
        {
          index: 1,
          plaintext: img(10),
          arnoldOnly: img(20),
          obfuscated: img(30),
          ciphertextOnly: img(40),
        },
        {
          index: 3,
          plaintext: img(50),
          arnoldOnly: img(60),
          obfuscated: img(70),
          ciphertextOnly: null,
        },
      ],
      size,
      2,
    );
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(4 * 8 + 5 * 4);
    expect(info.height).toBe(2 * 8 + 3 * 4);
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels]!;
    expect(at(0, 0)).toBe(255); // gap
    expect(at(4, 4)).toBe(10); // row 0, column 0
    expect(at(4 + 12 * 3 + 7, 4 + 7)).toBe(40); // row 0, column 3, last pixel of the tile
    expect(at(4 + 12, 4 + 12)).toBe(60); // row 1, column 1
    expect(at(4 + 36, 4 + 12)).toBe(128); // missing recovery
  });
});
