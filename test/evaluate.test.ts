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
import { measureOnImages } from '../src-main/engine/sealed/model/activation-ranges.ts';
import {
  fitEmbeddingHead,
  withEmbeddingHead,
} from '../src-main/engine/sealed/model/embedding-head.ts';
import type { LoadedModel } from '../src-main/engine/sealed/model/model-file.ts';
import {
  ensembleMembers,
  mergeEnsemble,
} from '../src-main/engine/sealed/model/chunk-cnn-ensemble.ts';

const run = promisify(execFile);
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return dot / Math.sqrt(aa * bb);
};
const SAMPLES = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls');
// HE runs are minutes on a loaded 2-core CI machine: generous per-test limits.
const HE_TIMEOUT = 400_000;

describe('sealsight evaluate', () => {
  // The bundled samples (a labelled folder of symlinks): two per class, 12 images under
  // CKKS, so each image has one relevant other for search.
  let folder: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    folder = await makeTempDir();
    for (const label of await readdir(SAMPLES)) {
      const names = (await readdir(path.join(SAMPLES, label))).sort();
      if (names.length === 0) continue;
      await mkdir(path.join(folder.dir, label));
      for (const name of names)
        await symlink(path.join(SAMPLES, label, name), path.join(folder.dir, label, name));
    }
  });
  afterAll(() => folder.cleanup());

  it(
    'reports plaintext and encrypted figures on the bundled samples, in agreement',
    { timeout: HE_TIMEOUT },
    async () => {
      const { stdout } = await run(
        process.execPath,
        [CLI, 'evaluate', folder.dir, '--encrypted', '--layout', 'blocks', '--json'],
        {
          maxBuffer: 1 << 24,
        },
      );
      const report = JSON.parse(stdout);
      expect(report.n).toBe(12);
      expect(report.classes).toHaveLength(6);
      expect(report.perClass.map((c: { name: string }) => c.name)).toEqual(report.classes);
      const total = (report.confusion as number[][]).flat().reduce((a, b) => a + b, 0);
      expect(total).toBe(12);
      // The shipped model gets the bundled samples right (12/12 in `npm run demo`).
      expect(report.plaintextAccuracy).toBeGreaterThanOrEqual(5 / 6);
      expect(report.encrypted.layout).toBe('blocks');
      expect(report.agreement).toBe(1);
      expect(report.accuracy).toBe(report.plaintextAccuracy);
      expect(report.encrypted.maxAbsErrorImage).toBeLessThan(1e-2);
      expect(report.meanLoss).toBeGreaterThan(0);
      // The shipped model's search head, sealed: the embeddings decrypt to the float64
      // ones, so the search ranking (and its figures) is the same encrypted and in plaintext.
      expect(report.encrypted.maxAbsErrorEmbedding).toBeLessThan(1e-2);
      expect(report.retrieval).toEqual(report.encrypted.retrieval);
      expect(report.encrypted.retrieval.mAP).toBeCloseTo(report.plaintext.retrieval.mAP, 6);
      expect(report.encrypted.retrieval.precisionAt).toEqual(
        report.plaintext.retrieval.precisionAt,
      );
      expect(report.plaintext.retrieval.mAP).toBeGreaterThan(0.5);
    },
  );

  it('names the folder when it does not exist', async () => {
    const missing = path.join(REPO_ROOT, 'no-such-folder');
    await expect(run(process.execPath, [CLI, 'evaluate', missing])).rejects.toMatchObject({
      stderr: expect.stringContaining(`${missing}: no such folder`),
    });
  });
});

describe('an ensemble with a search head under CKKS with fresh keys', () => {
  // Two narrow nets merged into one (chunk-cnn-ensemble.ts): lanes run the merged net
  // as it is (fc1's zero blocks skipped) — on two workers, so the batch is split by hidden
  // units, one member's each, each skipping the other's conv — blocks run the members and
  // add their scores. The search head's rows ride after fc2's (embedding-head.ts).
  // Both must decrypt to the mean of the members' float64 scores, and to the float64
  // embedding after them.
  const arch = { inputSize: 28, channels: 1, kernel: 7, stride: 7, hidden: 4, classes: 3 };
  const members = [randomChunkCnn(arch, 9), randomChunkCnn(arch, 10)];
  const weights = mergeEnsemble(members);
  const random = mulberry32(4);
  const images = [5, 16, 3].map((n) =>
    Array.from({ length: n }, () =>
      Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
    ),
  );
  // The head is scaled into the ranges the net reaches on these chunks (as a model file
  // records them), not into a loose bound: it must not magnify the CKKS error.
  const pooled = images.map((chunks) => ({ chunks, isFeature: chunks.map(() => true) }));
  const ranges = measureOnImages(weights, pooled);
  const { head } = fitEmbeddingHead(weights, pooled, ranges, 3);
  const headed = withEmbeddingHead(weights, head);
  const model: LoadedModel = {
    id: 'test',
    weights: headed,
    members: ensembleMembers(headed),
    file: { activationRanges: ranges } as LoadedModel['file'],
    embeddingHead: null,
  };
  /** The members' float64 scores, summed: what the ensemble means. */
  const memberMean = (chunk: Uint8Array) => {
    const input = Float64Array.from(chunk, (v) => v / 255);
    return aggregateImage(members.map((m) => forwardChunk(m, input).scores)).map((v) => v / 2);
  };
  /** The head's float64 output for a chunk: its rows over the merged net's last hidden layer. */
  const embedding = (chunk: Uint8Array) => {
    const hidden = forwardChunk(
      weights,
      Float64Array.from(chunk, (v) => v / 255),
    ).square2;
    return Float64Array.from({ length: head.dims }, (_, k) =>
      hidden.reduce((sum, h, i) => sum + h * head.weight[k * hidden.length + i]!, 0),
    );
  };

  for (const layout of ['lanes', 'blocks'] as const) {
    it(
      `decrypts ${layout} scores that match the mean of the members' float64 scores, and the embedding after them`,
      { timeout: HE_TIMEOUT },
      async () => {
        const workers = layout === 'lanes' ? 2 : 1;
        const result = await inferWithFreshKeys(images, model, { layout, workers });
        expect(result.layout).toBe(layout);
        images.forEach((chunks, i) => {
          const want = chunks.map((chunk) => [...memberMean(chunk), ...embedding(chunk)]);
          if (layout === 'lanes') {
            want.forEach((outputs, k) =>
              outputs.forEach((v, c) =>
                expect(Math.abs(result.chunkScores![i]![k]![c]! - v)).toBeLessThan(1e-3),
              ),
            );
          }
          const got = result.imageScores[i]!;
          expect(got).toHaveLength(arch.classes + head.dims);
          const total = aggregateImage(want.map((o) => Float64Array.from(o)));
          for (let c = 0; c < arch.classes; c++)
            expect(Math.abs(got[c]! - total[c]!)).toBeLessThan(1e-2);
          // Search ranks by the embedding's direction: the sealed one points where the
          // float64 one does. This toy net's hidden values are tiny, which blocks carry with
          // a relative error of ~1e-3 (the shipped model's embedding error is checked on
          // real images by the CLI test above).
          expect(cosine(got.subarray(arch.classes), total.subarray(arch.classes))).toBeGreaterThan(
            layout === 'lanes' ? 0.9999 : 0.99,
          );
        });
      },
    );
  }
});
