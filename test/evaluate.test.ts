// `sealsight evaluate`: the full pipeline on a labelled folder, plaintext and under
// CKKS with fresh keys, through the real CLI and engine.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { readdir, symlink, mkdir } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import { CLI, makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';
import { inferWithFreshKeys } from '../src-main/engine/sealed/inference/fresh-key-inference.ts';
import {
  aggregateImage,
  forwardChunk,
  randomChunkCnn,
} from '../src-main/engine/sealed/model/chunk-cnn.ts';
import { mulberry32 } from '../src-main/engine/ml/random.ts';
import type { LoadedModel } from '../src-main/engine/sealed/model/model-file.ts';
import {
  ensembleMembers,
  mergeEnsemble,
} from '../src-main/engine/sealed/model/chunk-cnn-ensemble.ts';

const run = promisify(execFile);
const SAMPLES = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls');
// HE runs are minutes on a loaded 2-core CI machine: generous per-test limits.
const HE_TIMEOUT = 400_000;

describe('sealsight evaluate', () => {
  // One bundled sample per class (a labelled folder of symlinks): six images under CKKS.
  let folder: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    folder = await makeTempDir();
    for (const label of await readdir(SAMPLES)) {
      const names = (await readdir(path.join(SAMPLES, label))).sort();
      if (names.length === 0) continue;
      await mkdir(path.join(folder.dir, label));
      await symlink(path.join(SAMPLES, label, names[0]!), path.join(folder.dir, label, names[0]!));
    }
  });
  afterAll(() => folder.cleanup());

  it(
    'reports plaintext and encrypted figures on the bundled samples, in agreement',
    { timeout: HE_TIMEOUT },
    async () => {
      const { stdout } = await run(
        process.execPath,
        [CLI, 'evaluate', folder.dir, '--encrypted', '--json'],
        {
          maxBuffer: 1 << 24,
        },
      );
      const report = JSON.parse(stdout);
      expect(report.n).toBe(6);
      expect(report.classes).toHaveLength(6);
      expect(report.perClass.map((c: { name: string }) => c.name)).toEqual(report.classes);
      const total = (report.confusion as number[][]).flat().reduce((a, b) => a + b, 0);
      expect(total).toBe(6);
      // The shipped model gets the bundled samples right (12/12 in `npm run demo`).
      expect(report.plaintextAccuracy).toBeGreaterThanOrEqual(5 / 6);
      expect(report.encrypted.layout).toBe('blocks');
      expect(report.agreement).toBe(1);
      expect(report.accuracy).toBe(report.plaintextAccuracy);
      expect(report.encrypted.maxAbsErrorImage).toBeLessThan(1e-2);
      expect(report.meanLoss).toBeGreaterThan(0);
    },
  );

  it('names the folder when it does not exist', async () => {
    const missing = path.join(REPO_ROOT, 'no-such-folder');
    await expect(run(process.execPath, [CLI, 'evaluate', missing])).rejects.toMatchObject({
      stderr: expect.stringContaining(`${missing}: no such folder`),
    });
  });
});

describe('an ensemble under CKKS with fresh keys', () => {
  // Two narrow nets merged into one (chunk-cnn-ensemble.ts): lanes run the merged net
  // as it is (fc1's zero blocks skipped) — on two workers, so the batch is split by hidden
  // units, one member's each, each skipping the other's conv — blocks run the members and
  // add their scores.
  // Both must decrypt to the mean of the members' float64 scores.
  const arch = { inputSize: 28, channels: 1, kernel: 7, stride: 7, hidden: 4, classes: 3 };
  const members = [randomChunkCnn(arch, 9), randomChunkCnn(arch, 10)];
  const weights = mergeEnsemble(members);
  const model: LoadedModel = {
    id: 'test',
    weights,
    members: ensembleMembers(weights),
    file: { activationRanges: { conv: 4, fc1: 4, scores: 2 } } as LoadedModel['file'],
  };
  const random = mulberry32(4);
  const images = [5, 16, 3].map((n) =>
    Array.from({ length: n }, () =>
      Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
    ),
  );
  /** The members' float64 scores, summed: what the ensemble means. */
  const memberMean = (chunk: Uint8Array) => {
    const input = Float64Array.from(chunk, (v) => v / 255);
    return aggregateImage(members.map((m) => forwardChunk(m, input).scores)).map((v) => v / 2);
  };

  for (const layout of ['lanes', 'blocks'] as const) {
    it(
      `decrypts ${layout} scores that match the mean of the members' float64 scores`,
      { timeout: HE_TIMEOUT },
      async () => {
        const workers = layout === 'lanes' ? 2 : 1;
        const result = await inferWithFreshKeys(images, model, { layout, workers });
        expect(result.layout).toBe(layout);
        images.forEach((chunks, i) => {
          const want = chunks.map(memberMean);
          if (layout === 'lanes') {
            want.forEach((scores, k) =>
              scores.forEach((v, c) =>
                expect(Math.abs(result.chunkScores![i]![k]![c]! - v)).toBeLessThan(1e-3),
              ),
            );
          }
          aggregateImage(want).forEach((v, c) =>
            expect(Math.abs(result.imageScores[i]![c]! - v)).toBeLessThan(1e-2),
          );
        });
      },
    );
  }
});
