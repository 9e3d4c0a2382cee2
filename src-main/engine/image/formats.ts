// Image format detection. We trust the bytes, never the file name: the name only
// decides which files an import walk picks up, the magic bytes decide how (and
// whether) a file is decoded. Anything not in this list is refused before it
// reaches a decoder, which also keeps libvips' more exotic loaders (SVG, PDF,
// HEIF, …) out of reach of untrusted input.

export type ImageFormat = 'bmp' | 'png' | 'jpeg' | 'tiff' | 'webp' | 'gif';

export const IMAGE_EXTENSIONS: readonly string[] = [
  '.bmp',
  '.png',
  '.jpg',
  '.jpeg',
  '.tif',
  '.tiff',
  '.webp',
  '.gif',
];

/** True when the file name ends with one of IMAGE_EXTENSIONS (case-insensitive). */
export function hasImageExtension(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  return signature.every((b, i) => bytes[at + i] === b);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/**
 * Identifies an image by its magic bytes, or returns null. Only the leading
 * signature is checked; whether the rest of the file is sound is the decoder's job.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  // SOI marker followed by the first marker's 0xFF (APP0/APP1/DQT/… all qualify).
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return 'tiff';
  }
  // 'BM' is a weak two-byte signature; decode.ts validates the whole BMP header
  // before any pixel is read, so a false positive ends in a precise error.
  if (startsWith(bytes, ascii('BM'))) return 'bmp';
  return null;
}
