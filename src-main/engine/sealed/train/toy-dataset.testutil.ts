// Test-only: a tiny labelled folder of two separable synthetic classes (vertical vs
// horizontal stripes with random phase, period and noise), written as 8-bit BMPs so
// the trainer reads them through the real import pipeline. Orientation survives the
// paper's augmentation (±15°, horizontal flip, shifts). Not part of the public API.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GRAY_PALETTE, makeBmp } from '../../image/bmp-writer.testutil.ts';
import { mulberry32 } from '../../ml/random.ts';

export const TOY_CLASSES = ['horizontal', 'vertical'] as const;

export function stripeImage(vertical: boolean, seed: number, size = 96): Uint8Array {
  const random = mulberry32(seed);
  const period = 5 + random() * 4;
  const phase = random() * period;
  return makeBmp({
    width: size,
    height: size,
    bitsPerPixel: 8,
    palette: GRAY_PALETTE,
    pixel: (x, y) => {
      const t = ((vertical ? x : y) + phase) / period;
      const v = 128 + 90 * Math.sin(2 * Math.PI * t) + (random() - 0.5) * 60;
      return Math.max(0, Math.min(255, Math.round(v)));
    },
  });
}

/** Writes <dir>/<class>/<n>.bmp, `perClass` per class; returns the folder. */
export async function writeToyFolder(dir: string, perClass: number, seed = 1): Promise<string> {
  for (const [c, name] of TOY_CLASSES.entries()) {
    await mkdir(path.join(dir, name), { recursive: true });
    for (let n = 0; n < perClass; n++) {
      const bytes = stripeImage(name === 'vertical', seed * 1000 + c * 100 + n);
      await writeFile(path.join(dir, name, `${name}-${String(n).padStart(2, '0')}.bmp`), bytes);
    }
  }
  return dir;
}
