import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GRAY_PALETTE, makeBmp } from './bmp-writer.testutil.ts';
import { ImageDecodeError, decodeImage } from './decode.ts';

// --- fixtures ---------------------------------------------------------------

const W = 7;
const H = 5;
/** Deterministic "noise" so lossless codecs have real work and a cut file really lacks data. */
const noise = (length: number, seed = 1) => {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
};
const gray = Uint8Array.from({ length: W * H }, (_, i) => (i * 37) % 256);
const rgb = noise(W * H * 3, 7);
const rgba = noise(W * H * 4, 9);

const encode = (data: Uint8Array, channels: 1 | 2 | 3 | 4, width = W, height = H) =>
  sharp(data, { raw: { width, height, channels } });

async function refusal(bytes: Uint8Array, maxPixels?: number): Promise<string> {
  try {
    await decodeImage(bytes, 'photos/x.img', maxPixels === undefined ? {} : { maxPixels });
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    const e = error as ImageDecodeError;
    expect(e.message).toBe(`photos/x.img: ${e.reason}`);
    expect(e.label).toBe('photos/x.img');
    return e.reason;
  }
  throw new Error('expected decodeImage to refuse the file');
}

/** A PNG chunk: length, type, data, CRC-32 of type + data. */
function pngChunk(type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

/** A well-formed PNG header that declares width×height 8-bit gray, with a tiny IDAT. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  // compression, filter, interlace: 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    // Two rows of zeros (filter byte + pixels) compress to a few dozen bytes.
    pngChunk('IDAT', deflateSync(Buffer.alloc(2 * (width + 1)))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

// --- round trips --------------------------------------------------------------

describe('decodeImage round trips', () => {
  it('BMP 8-bit grayscale (via bmp-ts)', async () => {
    const bytes = makeBmp({
      width: W,
      height: H,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: (x, y) => gray[y * W + x],
    });
    const image = await decodeImage(bytes, 'g.bmp');
    expect(image).toMatchObject({ format: 'bmp', width: W, height: H, channels: 1 });
    expect(image.data).toEqual(gray);
  });

  it('BMP 24-bit (via bmp-ts)', async () => {
    const at = (x: number, y: number) => 3 * (y * W + x);
    const bytes = makeBmp({
      width: W,
      height: H,
      bitsPerPixel: 24,
      pixel: (x, y) => [rgb[at(x, y)], rgb[at(x, y) + 1], rgb[at(x, y) + 2]],
    });
    const image = await decodeImage(bytes, 'c.bmp');
    expect(image).toMatchObject({ format: 'bmp', channels: 3 });
    expect(image.data).toEqual(rgb);
  });

  it('PNG gray stays 1 channel, exact', async () => {
    const png = await encode(gray, 1).toColourspace('b-w').png().toBuffer();
    const image = await decodeImage(png, 'g.png');
    expect(image).toMatchObject({ format: 'png', width: W, height: H, channels: 1 });
    expect(image.data).toEqual(gray);
  });

  it('PNG RGB and RGBA, exact', async () => {
    const a = await decodeImage(await encode(rgb, 3).png().toBuffer(), 'c.png');
    expect(a).toMatchObject({ channels: 3 });
    expect(a.data).toEqual(rgb);
    const b = await decodeImage(await encode(rgba, 4).png().toBuffer(), 'a.png');
    expect(b).toMatchObject({ channels: 4 });
    expect(b.data).toEqual(rgba);
  });

  it('PNG 16-bit gray → 8-bit, exact', async () => {
    const png = await encode(gray, 1).toColourspace('grey16').png().toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const image = await decodeImage(png, 'g16.png');
    expect(image.channels).toBe(1);
    expect(image.data).toEqual(gray);
  });

  it('PNG gray+alpha → RGBA with the gray replicated', async () => {
    const ga = Uint8Array.from({ length: W * H * 2 }, (_, i) => (i % 2 ? 200 : gray[i / 2]));
    const png = await encode(ga, 2).toColourspace('b-w').png().toBuffer();
    const image = await decodeImage(png, 'ga.png');
    expect(image.channels).toBe(4);
    expect([...image.data.subarray(0, 8)]).toEqual([
      gray[0],
      gray[0],
      gray[0],
      200,
      gray[1],
      gray[1],
      gray[1],
      200,
    ]);
  });

  it('TIFF (LZW) and lossless WebP, exact', async () => {
    const tiff = await encode(rgb, 3).tiff({ compression: 'lzw' }).toBuffer();
    const t = await decodeImage(tiff, 'c.tif');
    expect(t).toMatchObject({ format: 'tiff', channels: 3 });
    expect(t.data).toEqual(rgb);
    const webp = await encode(rgb, 3).webp({ lossless: true }).toBuffer();
    const w = await decodeImage(webp, 'c.webp');
    expect(w).toMatchObject({ format: 'webp', channels: 3 });
    expect(w.data).toEqual(rgb);
  });

  it('JPEG: lossy, so within a few levels', async () => {
    const smooth = Uint8Array.from(
      { length: 64 * 64 },
      (_, i) => (i % 64) * 2 + Math.floor(i / 64),
    );
    const jpeg = await encode(smooth, 1, 64, 64)
      .toColourspace('b-w')
      .jpeg({ quality: 95 })
      .toBuffer();
    const image = await decodeImage(jpeg, 'g.jpg');
    expect(image).toMatchObject({ format: 'jpeg', width: 64, height: 64, channels: 1 });
    const worst = Math.max(...image.data.map((v, i) => Math.abs(v - smooth[i])));
    expect(worst).toBeLessThanOrEqual(4);
  });

  it('GIF (palette of two colours, so exact)', async () => {
    const two = Uint8Array.from({ length: W * H * 3 }, (_, i) => (Math.floor(i / 3) % 2 ? 255 : 0));
    const gif = await encode(two, 3).gif().toBuffer();
    const image = await decodeImage(gif, 'c.gif');
    expect(image.format).toBe('gif');
    const step = image.channels;
    const firstChannel = [...image.data].filter((_, i) => i % step === 0);
    expect(firstChannel).toEqual(Array.from({ length: W * H }, (_, i) => (i % 2 ? 255 : 0)));
  });

  it('accepts a JPEG with a decoder warning (stray bytes before a marker)', async () => {
    const jpeg = await encode(noise(16 * 16 * 3), 3, 16, 16)
      .jpeg()
      .toBuffer();
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda])); // start-of-scan marker
    const stray = Buffer.concat([
      jpeg.subarray(0, sos),
      Buffer.from([1, 2, 3, 4]),
      jpeg.subarray(sos),
    ]);
    // sharp's default failOn ('warning') refuses this file; ours ('error') must not.
    await expect(sharp(stray).raw().toBuffer()).rejects.toThrow(/extraneous bytes/);
    await expect(decodeImage(stray, 'stray.jpg')).resolves.toMatchObject({ width: 16, height: 16 });
  });

  it('applies the EXIF orientation (6 = rotate 90°): 6×4 stored → 4×6 decoded', async () => {
    const jpeg = await encode(noise(6 * 4 * 3), 3, 6, 4)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await decodeImage(jpeg, 'o.jpg');
    expect([image.width, image.height]).toEqual([4, 6]);
  });
});

// --- refusals ----------------------------------------------------------------

describe('decodeImage refusals', () => {
  it('empty file', async () => {
    expect(await refusal(new Uint8Array(0))).toBe('empty file (0 bytes)');
  });

  it('random bytes', async () => {
    const bytes = noise(1000, 3);
    expect(await refusal(bytes)).toBe(
      'not a recognised image (unrecognised signature; 1000 bytes; expected BMP, PNG, JPEG, TIFF, WebP or GIF)',
    );
  });

  it('a text file', async () => {
    const text = new TextEncoder().encode('This is a README\nwith two lines\n');
    expect(await refusal(text)).toBe(
      'not a recognised image (unrecognised signature; looks like text, 32 bytes; expected BMP, PNG, JPEG, TIFF, WebP or GIF)',
    );
  });

  it('never quotes the content of a file it refuses', async () => {
    // A secret in the first bytes must not reach a report, a log or the UI.
    const secret = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const text = await refusal(new TextEncoder().encode(`${secret}\n`));
    const binary = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0xc0, 0xde, 0, 1, 2]);
    for (const reason of [text, await refusal(binary)]) {
      expect(reason).not.toMatch(/AWS|wJalr|SECRET|EXAMPLE/);
      expect(reason).not.toMatch(/de ?ad|be ?ef|13 ?37|c0 ?de/i);
    }
  });

  it('truncated BMP', async () => {
    const bmp = makeBmp({
      width: 200,
      height: 200,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: () => 9,
    });
    expect(await refusal(bmp.subarray(0, 20_000))).toBe(
      'truncated BMP: pixel data needs bytes 1078..41078 (200 rows × 200 bytes) but the file has 20000',
    );
  });

  it('truncated PNG', async () => {
    const png = await encode(noise(64 * 48 * 3), 3, 64, 48)
      .png()
      .toBuffer();
    expect(await refusal(png.subarray(0, Math.floor(png.length * 0.6)))).toMatch(
      /^truncated PNG \(the file ends before the image data does; .+\)$/,
    );
  });

  it('truncated JPEG', async () => {
    const jpeg = await encode(noise(64 * 48 * 3), 3, 64, 48)
      .jpeg()
      .toBuffer();
    expect(await refusal(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)))).toMatch(
      /^truncated JPEG \(the file ends before the image data does; .+\)$/,
    );
  });

  it('truncated TIFF (its directory, written last, is cut off)', async () => {
    const tiff = await encode(noise(64 * 48 * 3), 3, 64, 48)
      .tiff({ compression: 'lzw' })
      .toBuffer();
    expect(await refusal(tiff.subarray(0, Math.floor(tiff.length * 0.6)))).toMatch(
      /^truncated TIFF \(the file ends before the image data does; .+\)$/,
    );
  });

  it('PNG with a corrupt header is refused with the label, not a bare sharp error', async () => {
    const png = bombPng(10, 10);
    png[16 + 3] ^= 0xff; // flip a width byte: the IHDR CRC no longer matches
    expect(await refusal(png)).toMatch(/^corrupt PNG data \(.+\)$/);
  });

  it('decompression bomb: a PNG declaring 30000×30000 is refused from its header, fast', async () => {
    const bomb = bombPng(30000, 30000);
    expect(bomb.length).toBeLessThan(200);
    const started = performance.now();
    expect(await refusal(bomb)).toBe(
      'image is 30000×30000 (900.0 MP), above the 50 MP limit (decompression-bomb guard)',
    );
    // Decoding 900 MP would take seconds and ~1 GB; reading the header takes a millisecond.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('honours a caller-supplied maxPixels', async () => {
    const png = await encode(rgb, 3).png().toBuffer();
    expect(await refusal(png, 34)).toBe(
      'image is 7×5 (35 pixels), above the 34-pixel limit (decompression-bomb guard)',
    );
    await expect(decodeImage(png, 'ok.png', { maxPixels: 35 })).resolves.toMatchObject({
      width: 7,
    });
  });

  it('rejects a nonsensical maxPixels as a programming error', async () => {
    await expect(decodeImage(gray, 'x', { maxPixels: 0 })).rejects.toThrow(RangeError);
    await expect(decodeImage(gray, 'x', { maxPixels: Number.NaN })).rejects.toThrow(RangeError);
  });
});
