// `npm run bench -- split-folders --split-seed S --out DIR [--data DIR] [--val-fraction F]`:
// writes a labelled dataset's train/validation split (the trainer's: ml/split-images.ts)
// as two labelled folders of symbolic links, DIR/train/<class>/… and DIR/validation/<class>/…,
// so the CLI can measure a model on exactly the images it was not trained on:
//   sealsight embedding-head <model> DIR/train --out M
//   sealsight evaluate DIR/validation --model M --encrypted --json
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { loadLabelledFolder } from '../src-main/engine/sealed/train/labelled-folder.ts';
import { splitImages } from '../src-main/engine/ml/split-images.ts';
import { TRAIN_DEFAULTS } from '../src-main/engine/sealed/train/train-chunk-cnn.ts';
import { NEU_DIR, option } from './bench-options.ts';

export async function runSplitFolders() {
  const data = path.resolve(option('data', NEU_DIR));
  const out = option('out', '');
  if (!out) throw new Error('--out DIR is required');
  const splitSeed = Number(option('split-seed', '1'));
  const valFraction = Number(option('val-fraction', String(TRAIN_DEFAULTS.valFraction)));
  const folder = await loadLabelledFolder(data, { threshold: TRAIN_DEFAULTS.threshold });
  const split = splitImages(folder.images, valFraction, splitSeed);
  const root = path.resolve(out);
  await rm(root, { recursive: true, force: true });
  for (const [part, images] of [
    ['train', split.train],
    ['validation', split.validation],
  ] as const) {
    for (const image of images) {
      const target = path.join(root, part, image.name);
      await mkdir(path.dirname(target), { recursive: true });
      await symlink(path.join(data, image.name), target);
    }
  }
  return {
    data,
    splitSeed,
    valFraction,
    out: root,
    train: split.train.length,
    validation: split.validation.length,
  };
}
