// Shared test fixtures: temp folders, NEU-CLS sample paths, distinct variants of the
// bundled samples, malformed image files.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, mkdir, copyFile, writeFile, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { NEU_CLASSES } from '../../src-shared/domain/classes.ts';
import { decodeBmp } from '../../src-main/engine/image/bmp.ts';
import { GRAY_PALETTE, makeBmp } from '../../src-main/engine/image/bmp-writer.testutil.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO_ROOT, 'bin', 'sealsight.mjs');
/** The bundled NEU-CLS samples (2 per class): what tests use, so a bare clone passes. */
export const SAMPLES_DIR = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls');

export async function makeTempDir(
  prefix = 'sealsight-test-',
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The first `perClass` images of each NEU-CLS class (sorted by name) under `root`. */
export async function imagesPerClass(
  root: string,
  perClass: number,
  skip = 0,
): Promise<Array<{ label: string; file: string }>> {
  const out: Array<{ label: string; file: string }> = [];
  for (const label of NEU_CLASSES) {
    const names = (await readdir(path.join(root, label))).sort().slice(skip, skip + perClass);
    for (const name of names) out.push({ label, file: path.join(root, label, name) });
  }
  return out;
}

/** The first `perClass` bundled samples of each class (at most 2). */
export function sampleImages(perClass: number, skip = 0) {
  return imagesPerClass(SAMPLES_DIR, perClass, skip);
}

// The eight symmetries of a square (clockwise rotations, and rotations of the left-right
// mirror image): for an output pixel (x, y) of an n×n image, the source pixel it takes.
const DIHEDRAL: ReadonlyArray<[string, (x: number, y: number, n: number) => [number, number]]> = [
  ['rot0', (x, y) => [x, y]],
  ['rot90', (x, y, n) => [y, n - 1 - x]],
  ['rot180', (x, y, n) => [n - 1 - x, n - 1 - y]],
  ['rot270', (x, y, n) => [n - 1 - y, x]],
  ['mirror', (x, y, n) => [n - 1 - x, y]],
  ['mirror-rot90', (x, y, n) => [n - 1 - y, n - 1 - x]],
  ['mirror-rot180', (x, y, n) => [x, n - 1 - y]],
  ['mirror-rot270', (x, y) => [y, x]],
];
/** Crop rounds after the plain symmetries: each crops 10 px more per side, then resizes back. */
const CROP_ROUNDS = 5;

/** A centred square crop of a gray image, `margin` px off each side, resized back to n×n. */
async function cropBack(pixels: Uint8Array, n: number, margin: number): Promise<Uint8Array> {
  const { data, info } = await sharp(pixels, { raw: { width: n, height: n, channels: 1 } })
    .extract({ left: margin, top: margin, width: n - 2 * margin, height: n - 2 * margin })
    .resize(n, n, { kernel: 'lanczos3' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected 1 channel, got ${info.channels}`);
  return new Uint8Array(data);
}

/**
 * `perClass` distinct images of each class made from the bundled samples, written as 8-bit
 * gray BMPs to `<dir>/<label>/` (so `dir` is a labelled folder), in the shape of
 * `imagesPerClass`. Tests need more distinct images than the repo bundles (the vault
 * de-duplicates by content, so copies would not do), and the full data set beside the
 * project is for benchmarks only. Variant k of a class is bundled sample k mod 2 under one
 * of the 8 rotations/mirrorings of the square; from k = 16 on, a centred crop of it (10 px
 * more per side each round) resized back to full size: real steel texture, new bytes, same
 * class. Deterministic: variant k is the same in every call, so calls whose ranges
 * (`skip`, `perClass`) do not overlap give different images; within a call every file
 * written is checked to be distinct.
 */
export async function sampleVariants(
  dir: string,
  perClass: number,
  skip = 0,
): Promise<Array<{ label: string; file: string }>> {
  const out: Array<{ label: string; file: string }> = [];
  const seen = new Set<string>();
  for (const label of NEU_CLASSES) {
    const samples = (await readdir(path.join(SAMPLES_DIR, label))).sort();
    const decoded = await Promise.all(
      samples.map(async (name) => {
        const image = decodeBmp(await readFile(path.join(SAMPLES_DIR, label, name)), name, 1e6);
        if (image.channels !== 1 || image.width !== image.height)
          throw new Error(`${label}/${name}: expected a square gray sample`);
        return { name: path.parse(name).name, n: image.width, pixels: image.data };
      }),
    );
    await mkdir(path.join(dir, label), { recursive: true });
    for (let k = skip; k < skip + perClass; k++) {
      const sample = decoded[k % decoded.length]!;
      const round = Math.floor(k / (decoded.length * DIHEDRAL.length));
      if (round > CROP_ROUNDS) {
        const most = decoded.length * DIHEDRAL.length * (CROP_ROUNDS + 1);
        throw new RangeError(`${label}: at most ${most} variants per class`);
      }
      const [tag, from] = DIHEDRAL[Math.floor(k / decoded.length) % DIHEDRAL.length]!;
      const { n } = sample;
      const base = round === 0 ? sample.pixels : await cropBack(sample.pixels, n, 10 * round);
      const bytes = makeBmp({
        width: n,
        height: n,
        bitsPerPixel: 8,
        palette: GRAY_PALETTE,
        pixel: (x, y) => {
          const [sx, sy] = from(x, y, n);
          return base[sy * n + sx]!;
        },
      });
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (seen.has(digest)) throw new Error(`variant ${k} of ${label} repeats another`);
      seen.add(digest);
      const file = path.join(
        dir,
        label,
        `${sample.name}-${tag}${round ? `-crop${round}` : ''}.bmp`,
      );
      await writeFile(file, bytes);
      out.push({ label, file });
    }
  }
  return out;
}

/** Copies images into <dir>/<label>/<name> (a labelled folder, as users have them). */
export async function labelledFolder(
  dir: string,
  images: Array<{ label: string; file: string }>,
): Promise<void> {
  for (const { label, file } of images) {
    await mkdir(path.join(dir, label), { recursive: true });
    await copyFile(file, path.join(dir, label, path.basename(file)));
  }
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData) >>> 0);
  return Buffer.concat([length, typeAndData, crc]);
}

/** A decompression bomb: a PNG whose header claims width×height with almost no data. */
export function bombPng(width = 30000, height = 30000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** Writes the malformed files every import must survive; returns their relative names. */
export async function writeBadFiles(
  dir: string,
): Promise<{ undecodable: string[]; nonImages: string[] }> {
  const bad = path.join(dir, 'bad');
  await mkdir(bad, { recursive: true });
  const someBmp = (await sampleImages(1))[0]!.file;
  const bmp = await readFile(someBmp);
  await writeFile(path.join(bad, 'empty.bmp'), new Uint8Array(0));
  await writeFile(path.join(bad, 'truncated.bmp'), bmp.subarray(0, Math.floor(bmp.length / 2)));
  await writeFile(path.join(bad, 'not-really.png'), 'this is a text file pretending to be a PNG\n');
  await writeFile(path.join(bad, 'bomb.png'), bombPng());
  await writeFile(path.join(bad, 'notes.txt'), 'not an image, skipped quietly\n');
  return {
    undecodable: ['bad/bomb.png', 'bad/empty.bmp', 'bad/not-really.png', 'bad/truncated.bmp'],
    nonImages: ['bad/notes.txt'],
  };
}
