import { describe, expect, it } from 'vitest';
import type { DecodedImage } from './decode.ts';
import { lumaBt601, toGrayscale112 } from './preprocess.ts';

const image = (
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  at: (x: number, y: number) => number[],
): DecodedImage => {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(at(x, y), (y * width + x) * channels);
  }
  return { format: 'png', width, height, channels, data };
};

const column = (img: Uint8Array, x: number) =>
  Array.from({ length: 112 }, (_, y) => img[y * 112 + x]);

describe('lumaBt601', () => {
  it('matches OpenCV COLOR_RGB2GRAY on the primaries', () => {
    // (v·w + 8192) >> 14 with w = 4899, 9617, 1868 (0.299, 0.587, 0.114 × 2^14):
    // red 255·4899 = 1249245 → 76.7 → 76; green 255·9617 → 150.2 → 150;
    // blue 255·1868 → 29.6 → 29; white → 255; any gray v → v.
    const rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 100, 100, 100];
    expect([...lumaBt601(Uint8Array.from(rgb), 5, 3)]).toEqual([76, 150, 29, 255, 100]);
  });

  it('ignores alpha', () => {
    const rgba = [255, 0, 0, 0, 255, 0, 0, 255];
    expect([...lumaBt601(Uint8Array.from(rgba), 2, 4)]).toEqual([76, 76]);
  });
});

describe('toGrayscale112', () => {
  it('passes a 112×112 gray image through unchanged (and copies it)', async () => {
    const src = image(112, 112, 1, (x, y) => [(x * 3 + y) % 256]);
    const out = await toGrayscale112(src);
    expect(out).toEqual(src.data);
    expect(out).not.toBe(src.data);
  });

  it('resizes 200×200 (NEU size) to 112×112; a flat image stays flat', async () => {
    const out = await toGrayscale112(image(200, 200, 1, () => [77]));
    expect(out).toHaveLength(112 * 112);
    expect(new Set(out)).toEqual(new Set([77]));
  });

  it('keeps an edge where it was, away from the kernel support', async () => {
    // Step at x = 100 of 200 → x = 56 of 112. Lanczos3 reaches ~3 output pixels.
    const out = await toGrayscale112(image(200, 200, 1, (x) => [x < 100 ? 0 : 255]));
    for (let x = 0; x < 50; x++) expect(new Set(column(out, x))).toEqual(new Set([0]));
    for (let x = 62; x < 112; x++) expect(new Set(column(out, x))).toEqual(new Set([255]));
  });

  it('ignores the aspect ratio: 300×100 fills the whole 112×112', async () => {
    // Step at x = 100 of 300 → x ≈ 37 of 112, the same on every row (no letterbox).
    const out = await toGrayscale112(image(300, 100, 1, (x) => [x < 100 ? 0 : 255]));
    expect(new Set(column(out, 30))).toEqual(new Set([0]));
    expect(new Set(column(out, 45))).toEqual(new Set([255]));
    expect(new Set(out.subarray(0, 112))).toEqual(new Set(out.subarray(111 * 112)));
  });

  it('converts colour with BT.601 luma before resizing', async () => {
    const red = await toGrayscale112(image(200, 150, 3, () => [255, 0, 0]));
    expect(new Set(red)).toEqual(new Set([76]));
    const transparentBlue = await toGrayscale112(image(64, 64, 4, () => [0, 0, 255, 0]));
    expect(new Set(transparentBlue)).toEqual(new Set([29]));
  });

  it('rejects data whose length does not match the size', async () => {
    const bad: DecodedImage = {
      format: 'png',
      width: 10,
      height: 10,
      channels: 3,
      data: new Uint8Array(10),
    };
    await expect(toGrayscale112(bad)).rejects.toThrow(RangeError);
  });
});
