import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAY_PALETTE, makeBmp } from './bmp-writer.testutil.ts';
import type { Rgb } from './bmp-writer.testutil.ts';
import { decodeBmp, parseBmpHeader } from './bmp.ts';
import { ImageDecodeError } from './decode-error.ts';

const LIMIT = 50_000_000;

/** Expects decodeBmp to throw an ImageDecodeError whose reason matches. */
function refusal(bytes: Uint8Array, maxPixels = LIMIT): string {
  try {
    decodeBmp(bytes, 'x.bmp', maxPixels);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    return (error as ImageDecodeError).reason;
  }
  throw new Error('expected decodeBmp to refuse the file');
}

// A 5×3 image: odd width, so every row format needs padding, and three distinct
// rows, so a flipped row order shows.
const W = 5;
const H = 3;
const grayAt = (x: number, y: number) => 10 * y + x; // 0..4, 10..14, 20..24
const rgbAt = (x: number, y: number): Rgb => [x * 50, y * 100, 255 - x - y];

function expectedGray(): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.push(grayAt(x, y));
  return out;
}

function expectedRgb(): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.push(...rgbAt(x, y));
  return out;
}

describe('parseBmpHeader', () => {
  it('reads the geometry of an 8-bit grayscale BMP like NEU-CLS (200×200)', () => {
    const bytes = makeBmp({
      width: 200,
      height: 200,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: () => 0,
    });
    expect(parseBmpHeader(bytes)).toMatchObject({
      width: 200,
      height: 200,
      topDown: false,
      bitsPerPixel: 8,
      paletteOffset: 54,
      paletteEntries: 256,
      pixelOffset: 1078, // 14 + 40 + 256 * 4
      rowStride: 200,
      pixelDataEnd: 41078, // the size of every NEU-CLS file
    });
  });

  it('pads rows to 4 bytes: 5 px × 24 bit = 15 bytes → stride 16', () => {
    const bytes = makeBmp({ width: 5, height: 3, bitsPerPixel: 24, pixel: rgbAt });
    expect(parseBmpHeader(bytes)).toMatchObject({ rowStride: 16, pixelDataEnd: 54 + 48 });
  });
});

describe('decodeBmp round trips', () => {
  it('8-bit grayscale palette, odd width, bottom-up rows → 1 channel, exact', () => {
    const bytes = makeBmp({
      width: W,
      height: H,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: grayAt,
    });
    const image = decodeBmp(bytes, 'g.bmp', LIMIT);
    expect(image).toMatchObject({ format: 'bmp', width: W, height: H, channels: 1 });
    expect([...image.data]).toEqual(expectedGray());
  });

  it('8-bit colour palette → RGB (palette lookup, not the index)', () => {
    const palette: Rgb[] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    const bytes = makeBmp({ width: 3, height: 1, bitsPerPixel: 8, palette, pixel: (x) => x });
    const image = decodeBmp(bytes, 'p.bmp', LIMIT);
    expect(image.channels).toBe(3);
    expect([...image.data]).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255]);
  });

  it('24-bit, odd width, bottom-up → RGB in R,G,B order, exact', () => {
    const bytes = makeBmp({ width: W, height: H, bitsPerPixel: 24, pixel: rgbAt });
    const image = decodeBmp(bytes, 'c.bmp', LIMIT);
    expect(image).toMatchObject({ width: W, height: H, channels: 3 });
    expect([...image.data]).toEqual(expectedRgb());
  });

  it('24-bit top-down (negative height)', () => {
    const bytes = makeBmp({ width: W, height: H, bitsPerPixel: 24, pixel: rgbAt, topDown: true });
    expect([...decodeBmp(bytes, 't.bmp', LIMIT).data]).toEqual(expectedRgb());
  });

  it('honours bfOffBits when there is a gap before the pixel array', () => {
    const bytes = makeBmp({
      width: W,
      height: H,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: grayAt,
      gapBeforePixels: 6,
    });
    expect([...decodeBmp(bytes, 'gap.bmp', LIMIT).data]).toEqual(expectedGray());
  });

  it('4-bit with odd width decodes every row (bmp-ts alone stops after one)', () => {
    const palette = GRAY_PALETTE.filter((_, i) => i % 17 === 0); // 16 levels 0, 17, …, 255
    const bytes = makeBmp({
      width: W,
      height: H,
      bitsPerPixel: 4,
      palette,
      pixel: (x, y) => (x + 5 * y) % 16,
    });
    const image = decodeBmp(bytes, 'n.bmp', LIMIT);
    expect(image.channels).toBe(1);
    expect([...image.data]).toEqual(
      Array.from({ length: W * H }, (_, i) => 17 * (((i % W) + 5 * Math.floor(i / W)) % 16)),
    );
  });

  it('1-bit', () => {
    const palette: Rgb[] = [
      [0, 0, 0],
      [255, 255, 255],
    ];
    const bytes = makeBmp({
      width: 11,
      height: 2,
      bitsPerPixel: 1,
      palette,
      pixel: (x, y) => (x + y) % 2,
    });
    const image = decodeBmp(bytes, 'b.bmp', LIMIT);
    expect([...image.data]).toEqual(
      Array.from({ length: 22 }, (_, i) => (((i % 11) + Math.floor(i / 11)) % 2) * 255),
    );
  });

  it('32-bit with an alpha mask → RGBA', () => {
    const bytes = makeBmp({
      width: 2,
      height: 2,
      bitsPerPixel: 32,
      withAlphaMask: true,
      pixel: (x, y) => [10 + x, 20 + y, 30, 100 + x + 2 * y],
    });
    const image = decodeBmp(bytes, 'a.bmp', LIMIT);
    expect(image.channels).toBe(4);
    expect([...image.data]).toEqual([
      10, 20, 30, 100, 11, 20, 30, 101, 10, 21, 30, 102, 11, 21, 30, 103,
    ]);
  });

  it('32-bit without masks → RGB (the 4th byte is padding, not alpha)', () => {
    const bytes = makeBmp({ width: 2, height: 1, bitsPerPixel: 32, pixel: (x) => [x, 2, 3, 0] });
    const image = decodeBmp(bytes, 'x.bmp', LIMIT);
    expect(image.channels).toBe(3);
    expect([...image.data]).toEqual([0, 2, 3, 1, 2, 3]);
  });
});

describe('decodeBmp refusals', () => {
  const good = () => makeBmp({ width: W, height: H, bitsPerPixel: 24, pixel: rgbAt });

  it('truncated pixel array: says how many bytes were needed', () => {
    const bytes = good();
    expect(refusal(bytes.subarray(0, bytes.length - 1))).toBe(
      'truncated BMP: pixel data needs bytes 54..102 (3 rows × 16 bytes) but the file has 101',
    );
  });

  it('truncated inside the header', () => {
    expect(refusal(good().subarray(0, 30))).toMatch(/^truncated BMP \(30 bytes/);
    expect(refusal(good().subarray(0, 10))).toMatch(/^truncated BMP \(10 bytes/);
  });

  it('header claiming 30000×30000: pixel limit, checked before the length', () => {
    const bytes = good();
    const view = new DataView(bytes.buffer);
    view.setInt32(18, 30000, true);
    view.setInt32(22, 30000, true);
    expect(refusal(bytes)).toBe(
      'image is 30000×30000 (900.0 MP), above the 50 MP limit (decompression-bomb guard)',
    );
  });

  it('RLE8 compression', () => {
    const bytes = makeBmp({
      width: W,
      height: H,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: grayAt,
    });
    new DataView(bytes.buffer).setUint32(30, 1, true);
    expect(refusal(bytes)).toMatch(/^unsupported BMP compression \(RLE8\)/);
  });

  it.each([
    ['bit depth 7', 28, 7, 'unsupported BMP bit depth 7'],
    ['OS/2 header', 14, 12, 'unsupported BMP header size 12 (OS/2 format)'],
    ['zero width', 18, 0, 'invalid BMP dimensions 0×3'],
    ['two planes', 26, 2, 'invalid BMP header (planes = 2, not 1)'],
  ])('%s', (_name, offset, value, reason) => {
    const bytes = good();
    const view = new DataView(bytes.buffer);
    if (offset === 18 || offset === 14) view.setUint32(offset, value, true);
    else view.setUint16(offset, value, true);
    expect(refusal(bytes)).toBe(reason);
  });

  it('palette larger than the bit depth allows', () => {
    const bytes = makeBmp({
      width: 2,
      height: 1,
      bitsPerPixel: 4,
      palette: GRAY_PALETTE,
      pixel: () => 0,
    });
    expect(refusal(bytes)).toBe('invalid BMP palette size 256 for 4-bit pixels (at most 16)');
  });

  it('pixel offset pointing into the palette', () => {
    const bytes = makeBmp({
      width: 2,
      height: 1,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: () => 0,
    });
    new DataView(bytes.buffer).setUint32(10, 100, true);
    expect(refusal(bytes)).toBe(
      'invalid BMP pixel data offset 100 (header and palette end at 1078)',
    );
  });
});

describe('decodeBmp on damaged files (deterministic fuzz)', () => {
  it('either decodes or throws ImageDecodeError — never a bare library error', () => {
    const originals = [
      makeBmp({ width: W, height: H, bitsPerPixel: 8, palette: GRAY_PALETTE, pixel: grayAt }),
      makeBmp({ width: W, height: H, bitsPerPixel: 24, pixel: rgbAt }),
      makeBmp({
        width: 3,
        height: 2,
        bitsPerPixel: 32,
        withAlphaMask: true,
        pixel: () => [1, 2, 3, 4],
      }),
      makeBmp({
        width: W,
        height: H,
        bitsPerPixel: 4,
        palette: GRAY_PALETTE.slice(0, 16),
        pixel: () => 3,
      }),
    ];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    let decoded = 0;
    let refused = 0;
    for (let round = 0; round < 2000; round++) {
      const bytes = originals[round % originals.length].slice();
      // Damage 1–4 header bytes (where parsing decisions are made), sometimes cut the file.
      for (let k = 0; k <= next() % 4; k++) bytes[next() % 70] = next() >>> 24;
      const cut = next() % 3 === 0 ? next() % bytes.length : bytes.length;
      try {
        const image = decodeBmp(bytes.subarray(0, cut), 'fuzz.bmp', 1_000_000);
        expect(image.data).toHaveLength(image.width * image.height * image.channels);
        decoded++;
      } catch (error) {
        expect(error).toBeInstanceOf(ImageDecodeError);
        refused++;
      }
    }
    // Both outcomes occur, so the loop really exercised both paths.
    expect(decoded).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});

// A bundled NEU-CLS sample (an ordinary 8-bit gray BMP from a real data set).
const NEU = new URL('../../../assets/samples/neu-cls/', import.meta.url);

describe('real NEU-CLS file', () => {
  it('decodes exactly the bytes stored in the file (gray ramp palette, bottom-up)', () => {
    const bytes = new Uint8Array(readFileSync(new URL('crazing/Cr_10.bmp', NEU)));
    const image = decodeBmp(bytes, 'Cr_10.bmp', LIMIT);
    expect(image).toMatchObject({ width: 200, height: 200, channels: 1 });
    const pixelOffset = new DataView(bytes.buffer, bytes.byteOffset).getUint32(10, true);
    for (let y = 0; y < 200; y++) {
      const stored = bytes.subarray(pixelOffset + (199 - y) * 200, pixelOffset + (200 - y) * 200);
      expect(image.data.subarray(y * 200, (y + 1) * 200)).toEqual(stored);
    }
  });
});
