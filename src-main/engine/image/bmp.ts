// BMP decoding: our own header validation in front of bmp-ts.
//
// bmp-ts trusts the header completely: a BMP whose pixel array runs past the end
// of the file makes it throw a bare RangeError from Buffer.readUInt8, and a header
// that claims 30000×30000 makes it allocate 3.6 GB before reading anything. So we
// parse and sanity-check the header ourselves, apply the pixel limit and the
// length check, and only then hand the bytes over.
//
// bmp-ts quirks this file works around (checked against bmp-ts 1.0.9's source):
//  - It never seeks to bfOffBits; it reads pixels straight after the palette. A
//    file with a gap there (legal, some writers align the pixel array) is
//    re-assembled without the gap first.
//  - With { toRGBA: true } the 1/4/8-bit paths still write A,B,G,R while the 24-
//    and 32-bit paths write R,G,B,A. With the default (toRGBA: false) every path
//    writes A,B,G,R, so we use the default and swizzle ourselves.
//  - 4-bit images of odd width stop after the first row (its callback returns
//    false, which aborts the whole scan). The padding nibble is always present,
//    so we decode such images one pixel wider and drop that column.
//  - RLE4/RLE8 decoding writes to the wrong byte offsets, so RLE is refused.

import { decode as bmpTsDecode } from 'bmp-ts';
import { ImageDecodeError, errorDetail } from './decode-error.ts';
import { pixelLimitProblem } from './pixel-limit.ts';
import type { DecodedImage } from './decode.ts';

const FILE_HEADER_SIZE = 14;
/** DIB header sizes bmp-ts understands: BITMAPINFOHEADER and its V2..V5 successors. */
const SUPPORTED_DIB_SIZES = new Set([40, 52, 56, 108, 124]);
const SUPPORTED_BIT_DEPTHS = new Set([1, 4, 8, 16, 24, 32]);
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
const COMPRESSION_NAMES: Record<number, string> = {
  1: 'RLE8',
  2: 'RLE4',
  4: 'embedded JPEG',
  5: 'embedded PNG',
};

export type BmpHeader = {
  width: number;
  /** Always positive; topDown says which way the rows are stored. */
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  dibHeaderSize: number;
  /** Where bmp-ts will start reading the palette (after the DIB header and any masks). */
  paletteOffset: number;
  paletteEntries: number;
  /** bfOffBits: where the pixel array really starts. */
  pixelOffset: number;
  /** Bytes per stored row, including the padding to a multiple of 4. */
  rowStride: number;
  /** One past the last byte of the pixel array. */
  pixelDataEnd: number;
  /** Whether the masks bmp-ts will use include an alpha channel. */
  hasAlpha: boolean;
};

/** Header problems as plain reasons; decodeBmp adds the label. */
export class BmpHeaderError extends Error {}

/**
 * Parses and sanity-checks a BMP header. Throws BmpHeaderError with a reason for
 * anything bmp-ts would misread. Does NOT check that the pixel array fits in the
 * file (that comes after the pixel limit, see decodeBmp), but reports where it ends.
 */
export function parseBmpHeader(bytes: Uint8Array): BmpHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < FILE_HEADER_SIZE + 4 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) {
    throw new BmpHeaderError(
      bytes[0] === 0x42 && bytes[1] === 0x4d
        ? `truncated BMP (${bytes.length} bytes, too short for a header)`
        : 'not a BMP file (no "BM" signature)',
    );
  }
  const pixelOffset = view.getUint32(10, true);
  const dibHeaderSize = view.getUint32(14, true);
  if (!SUPPORTED_DIB_SIZES.has(dibHeaderSize)) {
    const kind = dibHeaderSize === 12 || dibHeaderSize === 64 ? ' (OS/2 format)' : '';
    throw new BmpHeaderError(`unsupported BMP header size ${dibHeaderSize}${kind}`);
  }
  if (bytes.length < FILE_HEADER_SIZE + dibHeaderSize) {
    throw new BmpHeaderError(
      `truncated BMP (${bytes.length} bytes, the ${dibHeaderSize}-byte header does not fit)`,
    );
  }
  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const planes = view.getUint16(26, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const colorsUsed = view.getUint32(46, true);

  if (width <= 0 || signedHeight === 0 || signedHeight === -0x80000000) {
    throw new BmpHeaderError(`invalid BMP dimensions ${width}×${signedHeight}`);
  }
  if (planes !== 1) throw new BmpHeaderError(`invalid BMP header (planes = ${planes}, not 1)`);
  if (!SUPPORTED_BIT_DEPTHS.has(bitsPerPixel)) {
    throw new BmpHeaderError(`unsupported BMP bit depth ${bitsPerPixel}`);
  }
  const usesMasks = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (compression !== BI_RGB && !(usesMasks && (bitsPerPixel === 16 || bitsPerPixel === 32))) {
    const name = COMPRESSION_NAMES[compression] ?? `type ${compression}`;
    throw new BmpHeaderError(
      `unsupported BMP compression (${name}) for ${bitsPerPixel}-bit pixels; only uncompressed and bit-field BMPs are decoded`,
    );
  }

  // Mirror bmp-ts's reading order exactly (parseHeader in its decoder.js): it
  // reads 3 mask words after the first 40 header bytes when the header is larger
  // or bit fields are used, a 4th (alpha) one for V3+ headers or ALPHABITFIELDS,
  // then skips to the end of V4/V5 headers. The palette follows wherever it stops.
  const masksRead = dibHeaderSize > 40 || usesMasks;
  const alphaMaskRead = dibHeaderSize > 52 || compression === BI_ALPHABITFIELDS;
  let paletteOffset = FILE_HEADER_SIZE + 40 + (masksRead ? 12 : 0) + (alphaMaskRead ? 4 : 0);
  paletteOffset = Math.max(paletteOffset, FILE_HEADER_SIZE + dibHeaderSize);
  if (bytes.length < paletteOffset) {
    throw new BmpHeaderError(`truncated BMP (${bytes.length} bytes, the colour masks do not fit)`);
  }

  const maskWord = (channel: number) => view.getUint32(FILE_HEADER_SIZE + 40 + channel * 4, true);
  const hasMasks = bitsPerPixel === 16 || bitsPerPixel === 32;
  // Without a mask in the file bmp-ts uses X8R8G8B8 / X1R5G5B5: never alpha.
  const hasAlpha = hasMasks && alphaMaskRead && maskWord(3) !== 0;
  if (hasMasks && masksRead) {
    for (const [channel, name] of ['red', 'green', 'blue'].entries()) {
      // A zero mask makes bmp-ts divide 0 by 0 and emit garbage for that channel.
      if (maskWord(channel) === 0) throw new BmpHeaderError(`BMP ${name} colour mask is empty`);
    }
  }

  const maxPaletteEntries = bitsPerPixel <= 8 ? 1 << bitsPerPixel : 256;
  const paletteEntries =
    colorsUsed === 0 ? (bitsPerPixel <= 8 ? maxPaletteEntries : 0) : colorsUsed;
  if (paletteEntries > maxPaletteEntries) {
    throw new BmpHeaderError(
      `invalid BMP palette size ${colorsUsed} for ${bitsPerPixel}-bit pixels (at most ${maxPaletteEntries})`,
    );
  }
  const paletteEnd = paletteOffset + paletteEntries * 4;
  if (pixelOffset < paletteEnd) {
    throw new BmpHeaderError(
      `invalid BMP pixel data offset ${pixelOffset} (header and palette end at ${paletteEnd})`,
    );
  }

  const height = Math.abs(signedHeight);
  const rowStride = Math.ceil((bitsPerPixel * width) / 32) * 4;
  return {
    width,
    height,
    topDown: signedHeight < 0,
    bitsPerPixel,
    compression,
    dibHeaderSize,
    paletteOffset,
    paletteEntries,
    pixelOffset,
    rowStride,
    pixelDataEnd: pixelOffset + rowStride * height,
    hasAlpha,
  };
}

/** Decodes a BMP (already sniffed as one) into interleaved 1, 3 or 4 channels. */
export function decodeBmp(bytes: Uint8Array, label: string, maxPixels: number): DecodedImage {
  let header: BmpHeader;
  try {
    header = parseBmpHeader(bytes);
  } catch (error) {
    const reason =
      error instanceof BmpHeaderError
        ? error.message
        : `corrupt BMP header (${errorDetail(error)})`;
    throw new ImageDecodeError(label, reason, { cause: error });
  }
  const tooBig = pixelLimitProblem(header.width, header.height, maxPixels);
  if (tooBig) throw new ImageDecodeError(label, tooBig);
  if (header.pixelDataEnd > bytes.length) {
    throw new ImageDecodeError(
      label,
      `truncated BMP: pixel data needs bytes ${header.pixelOffset}..${header.pixelDataEnd} ` +
        `(${header.height} rows × ${header.rowStride} bytes) but the file has ${bytes.length}`,
    );
  }

  const oddWidth4Bit = header.bitsPerPixel === 4 && header.width % 2 === 1;
  const input = bytesForBmpTs(bytes, header, oddWidth4Bit);
  let decoded: ReturnType<typeof bmpTsDecode>;
  try {
    decoded = bmpTsDecode(input);
  } catch (error) {
    throw new ImageDecodeError(label, `corrupt BMP (bmp-ts: ${errorDetail(error)})`, {
      cause: error,
    });
  }
  const decodedWidth = oddWidth4Bit ? header.width + 1 : header.width;
  const channels = channelsFor(header, decoded.palette ?? []);
  return fromAbgr(decoded.data, decodedWidth, header, channels);
}

/**
 * The buffer bmp-ts should see: pixel array moved right after the palette (it
 * ignores bfOffBits), and for odd-width 4-bit images the width bumped by one.
 */
function bytesForBmpTs(bytes: Uint8Array, header: BmpHeader, widenByOne: boolean): Buffer {
  const paletteEnd = header.paletteOffset + header.paletteEntries * 4;
  const contiguous = header.pixelOffset === paletteEnd && !widenByOne;
  if (contiguous) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const copy = Buffer.concat([
    bytes.subarray(0, paletteEnd),
    bytes.subarray(header.pixelOffset, header.pixelDataEnd),
  ]);
  copy.writeUInt32LE(paletteEnd, 10);
  // Same row stride: for odd w, ceil(4w/32) === ceil(4(w+1)/32).
  if (widenByOne) copy.writeInt32LE(header.width + 1, 18);
  return copy;
}

function channelsFor(
  header: BmpHeader,
  palette: ReadonlyArray<{ red: number; green: number; blue: number }>,
): 1 | 3 | 4 {
  if (header.bitsPerPixel <= 8) {
    // Grayscale BMPs (like NEU-CLS) are 8-bit with a gray ramp palette; keeping
    // them single-channel avoids a pointless RGB round trip downstream.
    const gray = palette.every((c) => c.red === c.green && c.green === c.blue);
    return gray ? 1 : 3;
  }
  return header.hasAlpha ? 4 : 3;
}

/** bmp-ts's A,B,G,R pixels (stride decodedWidth) → interleaved 1/3/4 channels. */
function fromAbgr(
  abgr: Uint8Array,
  decodedWidth: number,
  header: BmpHeader,
  channels: 1 | 3 | 4,
): DecodedImage {
  const { width, height } = header;
  const data = new Uint8Array(width * height * channels);
  let out = 0;
  for (let y = 0; y < height; y++) {
    let src = y * decodedWidth * 4;
    for (let x = 0; x < width; x++, src += 4) {
      if (channels === 1) {
        data[out++] = abgr[src + 3];
        continue;
      }
      data[out++] = abgr[src + 3];
      data[out++] = abgr[src + 2];
      data[out++] = abgr[src + 1];
      if (channels === 4) data[out++] = abgr[src];
    }
  }
  return { format: 'bmp', width, height, channels, data };
}
