import { describe, expect, it } from 'vitest';
import { IMAGE_EXTENSIONS, hasImageExtension, sniffImageFormat } from './formats.ts';

const bytes = (...values: Array<number | string>) =>
  new Uint8Array(
    values.flatMap((v) => (typeof v === 'string' ? [...v].map((c) => c.charCodeAt(0)) : [v])),
  );

describe('sniffImageFormat', () => {
  it.each([
    ['png', bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13)],
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16, 'JFIF')],
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xdb)],
    ['gif', bytes('GIF89a', 1, 0)],
    ['gif', bytes('GIF87a')],
    ['webp', bytes('RIFF', 0x24, 0, 0, 0, 'WEBPVP8 ')],
    ['tiff', bytes('II', 42, 0, 8, 0, 0, 0)],
    ['tiff', bytes('MM', 0, 42, 0, 0, 0, 8)],
    ['tiff', bytes('II', 43, 0)], // BigTIFF
    ['bmp', bytes('BM', 0x36, 0, 0, 0)],
  ])('%s', (format, input) => {
    expect(sniffImageFormat(input)).toBe(format);
  });

  it.each([
    ['empty', bytes()],
    ['PNG signature cut short', bytes(0x89, 'PNG', 0x0d, 0x0a)],
    ['RIFF that is not WebP (WAV)', bytes('RIFF', 0x24, 0, 0, 0, 'WAVEfmt ')],
    ['GIF with a bad version', bytes('GIF90a')],
    ['text', bytes('hello, world')],
    ['SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['PDF', bytes('%PDF-1.7')],
    ['lone 0xFF 0xD8', bytes(0xff, 0xd8, 0x00)],
  ])('%s → null', (_name, input) => {
    expect(sniffImageFormat(input)).toBeNull();
  });
});

describe('hasImageExtension', () => {
  it('covers the supported extensions', () => {
    expect(IMAGE_EXTENSIONS).toEqual([
      '.bmp',
      '.png',
      '.jpg',
      '.jpeg',
      '.tif',
      '.tiff',
      '.webp',
      '.gif',
    ]);
  });

  it.each(['Cr_1.bmp', 'a.png', 'IMG_0001.JPG', 'scan.Jpeg', 'x.tif', 'x.TIFF', 'x.webp', 'x.gif'])(
    'accepts %s',
    (name) => expect(hasImageExtension(name)).toBe(true),
  );

  it.each(['notes.txt', 'image.png.zip', 'bmp', 'photo.jpe', '.png', 'archive.tiff.bak'])(
    'rejects %s',
    (name) => expect(hasImageExtension(name)).toBe(false),
  );
});
