// Everything that is not BMP goes through sharp (libvips). sharp's messages are
// terse ("vipspng: libpng read error"), so on failure we look at the file's
// structure ourselves to tell a truncated file from a corrupt one.

import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { ImageDecodeError, errorDetail } from './decode-error.ts';
import type { DecodedImage } from './decode.ts';
import type { ImageFormat } from './formats.ts';
import { pixelLimitProblem } from './pixel-limit.ts';

/**
 * failOn 'error' aborts on truncated data and on decoder errors, but not on mere
 * warnings. sharp's default ('warning') also rejects files every viewer shows
 * fine, e.g. a JPEG with a few stray bytes before a marker (libjpeg's "Corrupt
 * JPEG data: 4 extraneous bytes before marker", a warning; see decode.test.ts).
 * With 'none', a truncated file would decode "successfully" with its missing
 * part filled in.
 */
const FAIL_ON = 'error';

export async function decodeWithSharp(
  bytes: Uint8Array,
  format: Exclude<ImageFormat, 'bmp'>,
  label: string,
  maxPixels: number,
): Promise<DecodedImage> {
  // metadata() parses headers only. Its own limitInputPixels check would throw a
  // bare "exceeds pixel limit", so it is off here and we check with a message
  // that says how big the image claims to be.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, failOn: FAIL_ON }).metadata();
  } catch (error) {
    throw new ImageDecodeError(label, explainFailure(bytes, format, error), { cause: error });
  }
  if (!(meta.width > 0 && meta.height > 0)) {
    throw new ImageDecodeError(label, `corrupt ${NAMES[format]} data (no image dimensions)`);
  }
  const tooBig = pixelLimitProblem(meta.width, meta.height, maxPixels);
  if (tooBig) throw new ImageDecodeError(label, tooBig);

  let pipeline = sharp(bytes, {
    // Belt and braces: libvips enforces the same limit if a header lied.
    limitInputPixels: maxPixels,
    failOn: FAIL_ON,
    // Apply the EXIF orientation so the pixels are the picture a viewer shows.
    autoOrient: true,
  });
  // sharp converts raw output to sRGB by default, turning gray into 3 equal
  // channels; keep single-band images single-band. Gray+alpha stays RGBA.
  if (meta.channels === 1) pipeline = pipeline.toColourspace('b-w');
  try {
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3 && info.channels !== 4) {
      throw new Error(`unexpected ${info.channels}-channel output`);
    }
    return {
      format,
      width: info.width,
      height: info.height,
      channels: info.channels,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    throw new ImageDecodeError(label, explainFailure(bytes, format, error), { cause: error });
  }
}

const NAMES: Record<Exclude<ImageFormat, 'bmp'>, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  tiff: 'TIFF',
  webp: 'WebP',
  gif: 'GIF',
};

function explainFailure(bytes: Uint8Array, format: Exclude<ImageFormat, 'bmp'>, error: unknown) {
  const detail = errorDetail(error);
  const name = NAMES[format];
  const truncatedMessage = /premature end|truncat|unexpected end|end of (file|data|stream)/i;
  if (endsEarly(bytes, format) || truncatedMessage.test(detail)) {
    return `truncated ${name} (the file ends before the image data does; ${detail})`;
  }
  return `corrupt ${name} data (${detail})`;
}

/** Structural check for a missing end of file, for the formats that have one. */
function endsEarly(bytes: Uint8Array, format: Exclude<ImageFormat, 'bmp'>): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'png':
      return buf.lastIndexOf('IEND') === -1;
    case 'jpeg':
      return buf.lastIndexOf(Buffer.from([0xff, 0xd9])) === -1;
    case 'gif':
      return buf[buf.length - 1] !== 0x3b;
    case 'webp':
      // RIFF size counts the bytes after the 8-byte RIFF header.
      return buf.length < 12 || buf.readUInt32LE(4) + 8 > buf.length;
    case 'tiff':
      return tiffDirectoryMissing(buf);
  }
}

/**
 * Writers (libvips, libtiff) usually put the first image directory (IFD) after
 * the pixel strips, at the end of the file; a cut file then points past its own
 * end and libvips only says "unsupported image format".
 */
function tiffDirectoryMissing(buf: Buffer): boolean {
  if (buf.length < 8) return true;
  const le = buf[0] === 0x49; // 'II' little-endian, 'MM' big-endian
  const version = le ? buf.readUInt16LE(2) : buf.readUInt16BE(2);
  if (version === 43) {
    if (buf.length < 16) return true;
    const offset = le ? buf.readBigUInt64LE(8) : buf.readBigUInt64BE(8);
    return offset + 8n > BigInt(buf.length); // BigTIFF: 8-byte entry count
  }
  const offset = le ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  return offset + 2 > buf.length; // classic TIFF: 2-byte entry count
}
