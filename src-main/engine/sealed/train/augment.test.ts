import { describe, expect, it } from 'vitest';
import { augmentImage, chunkImage, randomAugmentParams, warpImage } from './augment.ts';
import { mulberry32 } from '../../ml/random.ts';
import { splitImages } from '../../ml/split-images.ts';

const SIZE = 112;

function texture(seed: number): Uint8Array {
  const random = mulberry32(seed);
  return Uint8Array.from({ length: SIZE * SIZE }, () => Math.floor(random() * 256));
}

describe('warpImage', () => {
  it('is the identity for no rotation, no flip and no shift (bicubic and bilinear)', () => {
    const img = texture(1);
    const none = { degrees: 0, flip: false, dx: 0, dy: 0 };
    expect(warpImage(img, none)).toEqual(img);
    expect(warpImage(img, none, SIZE, 'bilinear')).toEqual(img);
  });

  it('flips exactly and shifts whole pixels exactly, mirroring at the border', () => {
    const img = texture(2);
    const flipped = warpImage(img, { degrees: 0, flip: true, dx: 0, dy: 0 });
    const shifted = warpImage(img, { degrees: 0, flip: false, dx: 5, dy: -3 });
    for (const [x, y] of [
      [0, 0],
      [17, 40],
      [111, 111],
    ] as const) {
      expect(flipped[y * SIZE + x]).toBe(img[y * SIZE + (SIZE - 1 - x)]);
    }
    expect(shifted[50 * SIZE + 60]).toBe(img[53 * SIZE + 55]);
    expect(shifted[0 * SIZE + 0]).toBe(img[3 * SIZE + 5]); // row 3, column −5 mirrors to 5
  });

  it('keeps a flat image flat under rotation and a constant gradient monotone', () => {
    const flat = new Uint8Array(SIZE * SIZE).fill(77);
    expect(new Set(warpImage(flat, { degrees: 13, flip: true, dx: 4.5, dy: -2 }))).toEqual(
      new Set([77]),
    );
    const ramp = Uint8Array.from({ length: SIZE * SIZE }, (_, i) => 40 + (i % SIZE));
    const rotated = warpImage(ramp, { degrees: 10, flip: false, dx: 0, dy: 0 });
    expect(rotated[56 * SIZE + 30]!).toBeLessThan(rotated[56 * SIZE + 80]!);
  });

  it('draws parameters inside the paper ranges, deterministically', () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    for (let i = 0; i < 200; i++) {
      const p = randomAugmentParams(a);
      expect(randomAugmentParams(b)).toEqual(p);
      expect(Math.abs(p.degrees)).toBeLessThanOrEqual(15);
      expect(Math.abs(p.dx)).toBeLessThanOrEqual(11.2 + 0.5);
      expect(Number.isInteger(p.dx) && Number.isInteger(p.dy)).toBe(true);
    }
  });

  it('re-selects feature chunks on the warped image like import does', () => {
    const img = texture(3);
    const plain = chunkImage(img, 100, 0);
    expect(plain.chunks).toHaveLength(16);
    expect(plain.isFeature.every(Boolean)).toBe(true); // noise has strong gradients
    const augmented = augmentImage(img, mulberry32(1), 1e9, 0); // nothing passes: the 4 strongest
    expect(augmented.isFeature.filter(Boolean)).toHaveLength(4);
    // The minimum tops the selection up exactly as import does.
    expect(augmentImage(img, mulberry32(1), 1e9, 12).isFeature.filter(Boolean)).toHaveLength(12);
  });
});

describe('splitImages', () => {
  const images = ['a', 'b', 'c'].flatMap((cls, classIndex) =>
    Array.from({ length: 20 }, (_, n) => ({
      name: `${cls}/${n}`,
      classIndex,
      hash: cls === 'b' && n < 4 ? 'same' : `${cls}${n}`, // four identical files in b
    })),
  );

  it('is stratified, deterministic for a seed and different for another seed', () => {
    const split = splitImages(images, 0.25, 1);
    for (let c = 0; c < 3; c++) {
      const val = split.validation.filter((i) => i.classIndex === c).length;
      expect(val).toBeGreaterThanOrEqual(4);
      expect(val).toBeLessThanOrEqual(6);
    }
    expect(split.train.length + split.validation.length).toBe(60);
    expect(splitImages(images, 0.25, 1)).toEqual(split);
    expect(splitImages(images, 0.25, 2).validation).not.toEqual(split.validation);
  });

  it('keeps byte-identical files on the same side for every seed', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { validation } = splitImages(images, 0.2, seed);
      const inVal = validation.filter((i) => i.hash === 'same').length;
      expect([0, 4]).toContain(inVal);
    }
  });

  it('puts everything in training for valFraction 0 and refuses 1', () => {
    expect(splitImages(images, 0, 1).validation).toEqual([]);
    expect(() => splitImages(images, 1, 1)).toThrow(RangeError);
  });
});
