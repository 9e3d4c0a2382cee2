// A two-class toy set for the obfuscated tier's tests: 12×12 images whose left (class 0)
// or right (class 1) half is bright, with noise. Only WHERE the bright pixels are differs.
import { mulberry32 } from '../ml/random.ts';
import type { ObfDataset } from './obf-dataset.ts';

export const SIZE = 12;

export function toyDataset(count: number, seed: number): ObfDataset {
  const random = mulberry32(seed);
  const n = SIZE * SIZE;
  const pixels = new Uint8Array(count * n);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    labels[i] = label;
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const bright = label === 0 ? x < SIZE / 2 : x >= SIZE / 2;
        const base = bright ? 170 : 40;
        pixels[i * n + y * SIZE + x] = base + Math.floor(random() * 60);
      }
  }
  const names = Array.from({ length: count }, (_, i) => `toy/${i}`);
  return {
    source: 'toy',
    classes: ['left', 'right'],
    size: SIZE,
    pixels,
    labels,
    names,
    hashes: names,
    dataHash: 'toy',
    failed: [],
  };
}
