import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cutChunks } from './chunks.ts';
import { ImageDecodeError } from './decode-error.ts';
import { processImage } from './pipeline.ts';

/**
 * 112×112 gray PNG (so no resize): background 128, and chunk 5 (rows 28..55,
 * columns 28..55) filled with vertical stripes two pixels wide, 0 0 255 255 …
 */
async function stripedChunk5Png(): Promise<Buffer> {
  const pixels = new Uint8Array(112 * 112).fill(128);
  for (let y = 28; y < 56; y++) {
    for (let x = 28; x < 56; x++) pixels[y * 112 + x] = ((x - 28) >> 1) % 2 ? 255 : 0;
  }
  return sharp(pixels, { raw: { width: 112, height: 112, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

describe('processImage', () => {
  it('equalises, scores and selects: only the striped chunk is a feature', async () => {
    const result = await processImage(await stripedChunk5Png(), 'stripes.png', {
      minFeatureChunks: 0,
    });
    expect(result).toMatchObject({ format: 'png', width: 112, height: 112, threshold: 100 });
    expect(result.lowGradient).toBe(false);

    // Equalisation, by hand: h(0) = 392, h(128) = 11760, h(255) = 392, N = 12544.
    // lut[128] = round((12152 − 392) · 255 / (12544 − 392)) = round(246.78) = 247.
    expect(new Set(result.pixels)).toEqual(new Set([0, 247, 255]));
    expect(result.pixels[0]).toBe(247);

    expect(result.chunks.map((c) => c.signedIndex)).toEqual([
      -1, -2, -3, -4, -5, 6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16,
    ]);
    // Inside the stripes every pixel has |Gx| = 4·255 = 1020; the neighbours only
    // see one edge row or column (at most ~1000 · 28 / 784 ≈ 36 on average).
    expect(result.chunks[5].score).toBeGreaterThan(900);
    for (const chunk of result.chunks) {
      if (chunk.position !== 5) expect(chunk.score).toBeLessThan(40);
    }

    const expectedPixels = cutChunks(result.pixels);
    result.chunks.forEach((chunk, p) => {
      expect(chunk.position).toBe(p);
      expect(chunk.isFeature).toBe(chunk.signedIndex > 0);
      expect(chunk.pixels).toEqual(expectedPixels[p]);
    });
  });

  it('by default tops the selection up to 12 chunks with the strongest others', async () => {
    const result = await processImage(await stripedChunk5Png(), 'stripes.png', {});
    expect(result).toMatchObject({ threshold: 100, minFeatureChunks: 12, lowGradient: false });
    const features = result.chunks.filter((c) => c.isFeature);
    expect(features).toHaveLength(12);
    expect(features.map((c) => c.position)).toContain(5);
    const weakestFeature = Math.min(...features.map((c) => c.score));
    for (const c of result.chunks)
      if (!c.isFeature) expect(c.score).toBeLessThanOrEqual(weakestFeature);
  });

  it('falls back to the 4 strongest chunks when the threshold is out of reach', async () => {
    const result = await processImage(await stripedChunk5Png(), 'stripes.png', {
      threshold: 5000,
      minFeatureChunks: 0,
    });
    expect(result.lowGradient).toBe(true);
    expect(result.threshold).toBe(5000);
    const features = result.chunks.filter((c) => c.isFeature);
    expect(features).toHaveLength(4);
    expect(features.map((c) => c.position)).toContain(5);
    const weakestFeature = Math.min(...features.map((c) => c.score));
    for (const c of result.chunks)
      if (!c.isFeature) expect(c.score).toBeLessThanOrEqual(weakestFeature);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '100' as unknown as number])(
    'rejects threshold %s before touching the bytes',
    async (threshold) => {
      await expect(processImage(new Uint8Array(0), 'x.png', { threshold })).rejects.toThrow(
        RangeError,
      );
    },
  );

  it.each([-1, 17, 1.5])('rejects a minimum of %s feature chunks', async (minFeatureChunks) => {
    await expect(processImage(new Uint8Array(0), 'x.png', { minFeatureChunks })).rejects.toThrow(
      /minimum feature chunks/,
    );
  });

  it('passes decode failures through as ImageDecodeError with the label', async () => {
    const error = await processImage(new Uint8Array(0), 'dir/empty.png', {}).catch((e) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe('dir/empty.png: empty file (0 bytes)');
  });
});

// Bundled NEU-CLS samples: real steel surfaces of three classes.
const NEU = new URL('../../../assets/samples/neu-cls/', import.meta.url);

describe('processImage on real NEU-CLS images', () => {
  it.each(['crazing/Cr_10.bmp', 'scratches/Sc_10.bmp', 'patches/Pa_1.bmp'])('%s', async (file) => {
    const bytes = new Uint8Array(readFileSync(new URL(file, NEU)));
    const result = await processImage(bytes, file, { threshold: 100, minFeatureChunks: 0 });
    expect(result).toMatchObject({ format: 'bmp', width: 200, height: 200, threshold: 100 });
    expect(result.pixels).toHaveLength(112 * 112);
    // Equalised: the darkest level present maps to 0, the brightest to 255.
    expect(Math.min(...result.pixels)).toBe(0);
    expect(Math.max(...result.pixels)).toBe(255);

    expect(result.chunks).toHaveLength(16);
    result.chunks.forEach((chunk, p) => {
      expect(chunk.position).toBe(p);
      expect(chunk.pixels).toHaveLength(784);
      expect(Math.abs(chunk.signedIndex)).toBe(p + 1);
      expect(chunk.isFeature).toBe(chunk.signedIndex > 0);
      expect(chunk.score).toBeGreaterThan(0);
      if (!result.lowGradient) expect(chunk.isFeature).toBe(chunk.score > 100);
    });
    const featureCount = result.chunks.filter((c) => c.isFeature).length;
    expect(featureCount).toBeGreaterThanOrEqual(result.lowGradient ? 4 : 1);
  });
});
