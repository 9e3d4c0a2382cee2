// Shared test fixtures: temp folders, NEU-CLS sample paths, malformed image files.
import { mkdtemp, rm, mkdir, copyFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { NEU_CLASSES } from '../../src-shared/domain/classes.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NEU_DIR = path.resolve(REPO_ROOT, '../shared/datasets/neu-cls');
export const CLI = path.join(REPO_ROOT, 'bin', 'sealsight.mjs');
/** The bundled NEU-CLS samples (2 per class): what tests use, so a bare clone passes. */
export const SAMPLES_DIR = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls');

export async function makeTempDir(
  prefix = 'sealsight-test-',
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The first `perClass` NEU-CLS images of each class (sorted by name), as absolute paths. */
export async function neuImages(
  perClass: number,
  skip = 0,
  root = NEU_DIR,
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
  return neuImages(perClass, skip, SAMPLES_DIR);
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
  const { readFile } = await import('node:fs/promises');
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
