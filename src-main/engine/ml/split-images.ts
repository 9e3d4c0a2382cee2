// The train/validation split both tiers' trainers use: stratified by class, seeded, and
// keeping byte-identical files on one side so a duplicate never leaks into validation.
import { mulberry32, shuffle } from './random.ts';

export interface Split<T> {
  readonly train: T[];
  readonly validation: T[];
}

/**
 * Deterministic stratified split: per class, groups of byte-identical files are
 * shuffled with the seed and whole groups go to validation until it holds
 * round(valFraction × class size) images. Groups spanning classes follow their first class.
 */
export function splitImages<T extends { classIndex: number; hash: string; name: string }>(
  images: readonly T[],
  valFraction: number,
  seed: number,
): Split<T> {
  if (!(valFraction >= 0 && valFraction < 1))
    throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const groups = new Map<string, T[]>();
  for (const image of images) {
    const group = groups.get(image.hash);
    if (group) group.push(image);
    else groups.set(image.hash, [image]);
  }
  const byClass = new Map<number, T[][]>();
  for (const group of [...groups.values()].sort((a, b) => compare(a[0]!.name, b[0]!.name))) {
    const cls = group[0]!.classIndex;
    byClass.set(cls, [...(byClass.get(cls) ?? []), group]);
  }
  const random = mulberry32(seed ^ 0x5eed5);
  const train: T[] = [];
  const validation: T[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const classGroups = shuffle(byClass.get(cls)!, random);
    const size = classGroups.reduce((n, g) => n + g.length, 0);
    const want = Math.round(valFraction * size);
    let taken = 0;
    for (const group of classGroups) {
      if (taken < want && taken + group.length <= want + (group.length > 1 ? 1 : 0)) {
        validation.push(...group);
        taken += group.length;
      } else train.push(...group);
    }
  }
  return { train, validation };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
