// Bytes → raw interleaved pixels, or an ImageDecodeError that names the file and
// says what is wrong with it. The order of checks is deliberate: cheap structural
// checks first (empty, magic bytes), then the header's dimensions against the
// pixel limit, and only then the actual decode.

import { decodeBmp } from './bmp.ts';
import { ImageDecodeError } from './decode-error.ts';
import { decodeWithSharp } from './decode-sharp.ts';
import { sniffImageFormat } from './formats.ts';
import type { ImageFormat } from './formats.ts';
import { DEFAULT_MAX_PIXELS, validateMaxPixels } from './pixel-limit.ts';

export { ImageDecodeError } from './decode-error.ts';

export type DecodedImage = {
  format: ImageFormat;
  width: number;
  height: number;
  /** 1 = gray, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  /** Interleaved, row-major, top row first: width * height * channels bytes. */
  data: Uint8Array;
};

export type DecodeOptions = {
  /** Refuse images with more pixels than this (default 50 MP), judged from the header. */
  maxPixels?: number;
};

export async function decodeImage(
  bytes: Uint8Array,
  label: string,
  opts: DecodeOptions = {},
): Promise<DecodedImage> {
  const maxPixels = validateMaxPixels(opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (bytes.length === 0) throw new ImageDecodeError(label, 'empty file (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === null) {
    throw new ImageDecodeError(label, `not a recognised image (${describeUnknown(bytes)})`);
  }
  if (format === 'bmp') return decodeBmp(bytes, label, maxPixels);
  return decodeWithSharp(bytes, format, label, maxPixels);
}

/**
 * What an unrecognised file is, without quoting any of it: an import folder can hold
 * anything (a key file, a password list), and reasons end up in reports, logs and the
 * UI. Its size and whether it looks like text still tell a person which file to look
 * at (a README.txt, a half-downloaded HTML error page) as well as a hex dump would.
 */
function describeUnknown(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 512);
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
  const size = `${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  return `unrecognised signature; ${printable ? `looks like text, ${size}` : size}; expected BMP, PNG, JPEG, TIFF, WebP or GIF`;
}
