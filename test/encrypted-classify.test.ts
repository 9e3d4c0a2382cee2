// Encrypted classification of a vault: the evaluator gets evaluation keys only, the
// decrypted image scores match the float64 network on the same feature chunks, and
// a model whose activations would overflow the CKKS budget is refused.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  classifyVault,
  importFolder,
  initVault,
  loadModel,
  openVault,
  readClassifications,
} from '../src-main/engine/index.ts';
import { evaluatorSetup } from '../src-main/engine/vault/classify.ts';
import { WorkerPool } from '../src-main/engine/workers/worker-pool.ts';
import { aggregateImage, argmax, forwardChunk } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import { labelledFolder, makeTempDir, sampleImages } from './helpers/fixtures.ts';
import { featureChunks, writeRandomModel } from './helpers/models.ts';

const PASS = 'encrypted inference test';

/** Every Uint8Array reachable from `value` (own enumerable properties, arrays, maps). */
function byteArrays(value: unknown, seen = new Set<unknown>()): Uint8Array[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  if (value instanceof Uint8Array) return [value];
  if (ArrayBuffer.isView(value)) return [];
  const children = value instanceof Map ? [...value.values()] : Object.values(value);
  return children.flatMap((child) => byteArrays(child, seen));
}

describe('encrypted classification', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;
  let modelFile: string;
  let images: Array<{ label: string; file: string }>;

  beforeAll(async () => {
    tmp = await makeTempDir();
    images = await sampleImages(1);
    await labelledFolder(path.join(tmp.dir, 'in'), images);
    vaultDir = path.join(tmp.dir, 'vault');
    await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
    const vault = await openVault(vaultDir, PASS);
    await importFolder(vault, path.join(tmp.dir, 'in'), { labelsFromFolders: true });
    vault.close();
    modelFile = path.join(tmp.dir, 'model.json');
    await writeRandomModel(
      modelFile,
      42,
      images.map((i) => i.file),
    );
  });
  afterAll(() => tmp.cleanup());

  it('classifies under encryption: scores match the float64 network, the secret key never reaches the evaluator', async () => {
    const model = await loadModel(modelFile);
    const vault = await openVault(vaultDir, PASS);
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    try {
      const report = await classifyVault(vault, { model, workers: 2 });
      expect(report.failed).toEqual([]);
      expect(report.classified).toHaveLength(images.length);

      // What the evaluator was handed: its setup and every job message.
      const secret = Buffer.from(vault.unwrapCkksSecretKey(vault.currentKeyset().id));
      const needle = secret.subarray(secret.length >> 1, (secret.length >> 1) + 64);
      const setup = evaluatorSetup(vault.currentKeyset(), model, 'chunk-blocks-1024-v1');
      expect(JSON.stringify(Object.keys(setup.keys))).not.toMatch(/secret/i);
      const handed = [
        ...byteArrays(setup),
        ...run.mock.calls.flatMap((call) => byteArrays(call[0])),
      ];
      expect(handed.length).toBeGreaterThan(images.length);
      for (const bytes of handed) expect(Buffer.from(bytes).indexOf(needle)).toBe(-1);
      // …and the needle is findable where it does live (the check can fail).
      expect(Buffer.concat([Buffer.alloc(10), secret]).indexOf(needle)).toBeGreaterThan(0);

      const chunksPerImage = await featureChunks(images.map((i) => i.file));
      for (const [index, image] of images.entries()) {
        const result = report.classified.find(
          (r) => r.name === `${image.label}/${path.basename(image.file)}`,
        )!;
        const expected = aggregateImage(
          chunksPerImage[index]!.map((chunk) => forwardChunk(model.weights, chunk).scores),
        );
        expect(result.chunksUsed).toBe(chunksPerImage[index]!.length);
        result.scores.forEach((score, c) =>
          expect(Math.abs(score - expected[c]!)).toBeLessThan(1e-2),
        );
        expect(result.classIndex).toBe(argmax(expected));
      }
      const stored = readClassifications(vault, model.id);
      expect(stored.size).toBe(images.length);

      const again = await classifyVault(vault, { model, workers: 1 });
      expect(again.classified).toHaveLength(0);
      expect(again.skipped).toBe(images.length);
    } finally {
      run.mockRestore();
      vault.close();
    }
  });

  it('scales fc2 down when the measured logits exceed the headroom, and still matches the network', async () => {
    const scaled = path.join(tmp.dir, 'scaled-model.json');
    await writeRandomModel(
      scaled,
      42,
      images.map((i) => i.file),
      { scores: 320 },
    );
    const model = await loadModel(scaled);
    const vault = await openVault(vaultDir, PASS);
    try {
      const report = await classifyVault(vault, { model, workers: 2 });
      const chunks = await featureChunks([images[0]!.file]);
      const expected = aggregateImage(
        chunks[0]!.map((chunk) => forwardChunk(model.weights, chunk).scores),
      );
      const result = report.classified.find((r) =>
        r.name.endsWith(path.basename(images[0]!.file)),
      )!;
      result.scores.forEach((score, c) =>
        expect(Math.abs(score - expected[c]!)).toBeLessThan(1e-2),
      );
    } finally {
      vault.close();
    }
  });

  it('refuses a model whose measured activations would overflow the CKKS budget', async () => {
    const hot = path.join(tmp.dir, 'hot-model.json');
    await writeRandomModel(hot, 43, [images[0]!.file], { scores: 5000 });
    const vault = await openVault(vaultDir, PASS);
    try {
      await expect(classifyVault(vault, { model: await loadModel(hot) })).rejects.toThrow(
        /scores activations overflow: chunk scores reach 5000; the CKKS preset \S+ sums 16 chunk scores of at most [\d.]+, and scaling them down by more than 64×/,
      );
    } finally {
      vault.close();
    }
  });

  it('rejects a malformed model file with a clear error', async () => {
    const bad = path.join(tmp.dir, 'bad-model.json');
    const text = JSON.parse(await readFile(modelFile, 'utf8'));
    text.weights.fc2Bias = [1, 2];
    await import('node:fs/promises').then((fs) => fs.writeFile(bad, JSON.stringify(text)));
    await expect(loadModel(bad)).rejects.toThrow(/weights\.fc2Bias has 2 values, expected 6/);
  });
});
