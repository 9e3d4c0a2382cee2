// Test-only BMP writer, so BMP decoding is tested against files whose every byte
// we control (palette, row padding, row order) instead of against bmp-ts itself.
// Not part of the public API.

export type Rgb = readonly [number, number, number];
export type Rgba = readonly [number, number, number, number];

export type BmpSpec = {
  width: number;
  height: number;
  bitsPerPixel: 1 | 4 | 8 | 24 | 32;
  /** Required for 1/4/8 bits: the colour table, as RGB. */
  palette?: readonly Rgb[];
  /** Palette index for 1/4/8 bits, RGB for 24 bits, RGBA for 32 bits. y = 0 is the top row. */
  pixel: (x: number, y: number) => number | Rgb | Rgba;
  /** Store rows top-down (negative height) instead of the usual bottom-up. */
  topDown?: boolean;
  /** Extra bytes between the palette and the pixel array (bfOffBits points past them). */
  gapBeforePixels?: number;
  /** 32-bit only: write a BITMAPV4HEADER whose masks include alpha (0xff000000). */
  withAlphaMask?: boolean;
};

export function rowStride(width: number, bitsPerPixel: number): number {
  return Math.ceil((width * bitsPerPixel) / 32) * 4;
}

export function makeBmp(spec: BmpSpec): Uint8Array {
  const { width, height, bitsPerPixel } = spec;
  const indexed = bitsPerPixel <= 8;
  const palette = indexed ? (spec.palette ?? []) : [];
  const v4 = bitsPerPixel === 32 && spec.withAlphaMask === true;
  const dibSize = v4 ? 108 : 40;
  const paletteOffset = 14 + dibSize;
  const pixelOffset = paletteOffset + palette.length * 4 + (spec.gapBeforePixels ?? 0);
  const stride = rowStride(width, bitsPerPixel);
  const fileSize = pixelOffset + stride * height;

  const bytes = new Uint8Array(fileSize);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42; // 'B'
  bytes[1] = 0x4d; // 'M'
  view.setUint32(2, fileSize, true);
  view.setUint32(10, pixelOffset, true);
  view.setUint32(14, dibSize, true);
  view.setInt32(18, width, true);
  view.setInt32(22, spec.topDown ? -height : height, true);
  view.setUint16(26, 1, true); // planes
  view.setUint16(28, bitsPerPixel, true);
  view.setUint32(30, v4 ? 3 : 0, true); // BI_BITFIELDS : BI_RGB
  view.setUint32(34, stride * height, true);
  view.setUint32(46, palette.length, true);
  if (v4) {
    view.setUint32(54, 0x00ff0000, true); // red
    view.setUint32(58, 0x0000ff00, true); // green
    view.setUint32(62, 0x000000ff, true); // blue
    view.setUint32(66, 0xff000000, true); // alpha
    view.setUint32(70, 0x73524742, true); // 'sRGB' colour space
  }
  palette.forEach(([r, g, b], i) => bytes.set([b, g, r, 0], paletteOffset + i * 4));

  for (let y = 0; y < height; y++) {
    // Bottom-up unless told otherwise: the first stored row is the bottom one.
    const storedRow = spec.topDown ? y : height - 1 - y;
    const rowStart = pixelOffset + storedRow * stride;
    for (let x = 0; x < width; x++) {
      const value = spec.pixel(x, y);
      if (indexed) {
        if (typeof value !== 'number') throw new Error('indexed BMP pixels are palette indices');
        const bitOffset = x * bitsPerPixel;
        const shift = 8 - bitsPerPixel - (bitOffset % 8); // leftmost pixel in the high bits
        bytes[rowStart + Math.floor(bitOffset / 8)] |= value << shift;
      } else {
        if (typeof value === 'number') throw new Error('24/32-bit BMP pixels are colours');
        const at = rowStart + x * (bitsPerPixel / 8);
        bytes.set([value[2], value[1], value[0]], at); // stored as B, G, R
        if (bitsPerPixel === 32) bytes[at + 3] = value[3] ?? 0;
      }
    }
    // Row padding stays zero.
  }
  return bytes;
}

/** The 256-entry gray ramp palette of an ordinary 8-bit grayscale BMP. */
export const GRAY_PALETTE: readonly Rgb[] = Array.from({ length: 256 }, (_, i) => [i, i, i]);
