// Sealed similar-image search through the real CLI: a vault of the 12 bundled samples is
// classified with the shipped model (whose search head gives each image a sealed
// embedding in the same encrypted pass), then searched by image id and by file. The
// ranking equals the one the float64 network gives on the same images, a file query finds
// its own stored copy first, and no embedding value lies anywhere in the vault in the clear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CLI, REPO_ROOT, makeTempDir, sampleImages } from './helpers/fixtures.ts';
import { loadModel } from '../src-main/engine/sealed/model/model-file.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { referenceChunkScores } from '../src-main/engine/sealed/train/evaluate-chunk-cnn.ts';
import { aggregateImage } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import {
  retrievalVector,
  splitOutputs,
  withEmbeddingHead,
} from '../src-main/engine/sealed/model/embedding-head.ts';

const PASS = 'sealed search passphrase';
const SAMPLES = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls');
const SHIPPED = path.join(REPO_ROOT, 'assets', 'models', 'neu-chunk-cnn.json');
const HE_TIMEOUT = 600_000;

function sealsight(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SEALSIGHT_PASSPHRASE: PASS },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Hit {
  id: string;
  name: string;
  similarity: number;
}

describe('sealed similar-image search', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vault: string;
  let images: Array<{ id: string; name: string }>;
  beforeAll(async () => {
    tmp = await makeTempDir();
    vault = path.join(tmp.dir, 'vault');
    expect(sealsight(['vault', 'init', vault, '--json']).code).toBe(0);
    expect(sealsight(['import', vault, SAMPLES, '--json']).code).toBe(0);
    images = JSON.parse(sealsight(['list', vault, '--json']).stdout).images;
  });
  afterAll(() => tmp.cleanup());

  it(
    'ranks by embeddings computed under CKKS, as the float64 network ranks',
    { timeout: HE_TIMEOUT },
    async () => {
      // Before classifying there is nothing to search, and the error says what to do.
      const early = sealsight(['search', vault, images[0]!.id, '--json']);
      expect(early.code).toBe(1);
      expect(early.stdout).toMatch(/no image has a sealed embedding .* classify the vault/);

      const classify = sealsight(['classify', vault, '--json']);
      expect(classify.code, classify.stderr).toBe(0);

      // The plaintext reference: the same network on the same images' feature chunks.
      const model = await loadModel(SHIPPED);
      const net = withEmbeddingHead(model.weights, model.embeddingHead!);
      const vectors = new Map<string, Float32Array>();
      for (const sample of await sampleImages(2)) {
        const processed = await processImage(await readFile(sample.file), sample.file, {
          threshold: model.file.preprocessing.threshold,
          minFeatureChunks: model.file.preprocessing.minFeatureChunks,
        });
        const chunks = processed.chunks.filter((c) => c.isFeature).map((c) => c.pixels);
        const { scores, embedding } = splitOutputs(
          aggregateImage(referenceChunkScores(net, chunks)),
          6,
        );
        vectors.set(path.basename(sample.file), retrievalVector(scores, embedding));
      }
      const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
      const vectorOf = (name: string) => {
        const v = vectors.get(path.basename(name));
        expect(v, `reference for ${name}`).toBeDefined();
        return v!;
      };

      for (const query of images) {
        const run = sealsight(['search', vault, query.id, '--k', '11', '--json']);
        expect(run.code, run.stderr).toBe(0);
        const result = JSON.parse(run.stdout) as { tier: string; indexed: number; results: Hit[] };
        expect(result.tier).toBe('sealed');
        expect(result.indexed).toBe(12);
        expect(result.results.map((h) => h.id)).not.toContain(query.id);
        const own = vectorOf(query.name);
        const plainOrder = images
          .filter((i) => i.id !== query.id)
          .map((i) => ({ name: i.name, s: dot(own, vectorOf(i.name)) }))
          .sort((a, b) => b.s - a.s);
        result.results.forEach((hit, r) => {
          expect(hit.similarity).toBeCloseTo(plainOrder[r]!.s, 3);
        });
        // The same order wherever two similarities are not within the CKKS error.
        result.results.forEach((hit, r) => {
          const plain = plainOrder[r]!;
          if (plain.name !== hit.name)
            expect(Math.abs(dot(own, vectorOf(hit.name)) - plain.s)).toBeLessThan(1e-3);
        });
      }

      // A file query goes through the encrypted network too and finds its stored copy.
      const file = path.join(
        SAMPLES,
        'scratches',
        (await readdir(path.join(SAMPLES, 'scratches')))[0]!,
      );
      const byFile = sealsight(['search', vault, file, '--k', '3']);
      expect(byFile.code, byFile.stderr).toBe(0);
      expect(byFile.stdout).toMatch(/^tier: Sealed tier — CKKS/m);
      expect(byFile.stdout).toMatch(/encrypted and embedded under CKKS/);
      const first = byFile.stdout.split('\n').find((l) => /^\s+1\. /.test(l))!;
      expect(first).toContain(path.basename(file));
      expect(Number(first.trim().split(/\s+/)[1])).toBeGreaterThan(0.999);

      // The obfuscated tier stays an explicit choice, with its warning.
      const obf = sealsight(['search', vault, images[0]!.id, '--tier', 'obfuscated', '--json']);
      expect(obf.stdout).toMatch(/obfuscated-tier model|not secure/);

      // No stored embedding value appears in the vault's files as text or as a double.
      const report = JSON.parse(classify.stdout) as { classified: Array<{ embedding: number[] }> };
      const values = report.classified.flatMap((c) => c.embedding.slice(0, 3));
      expect(values.length).toBeGreaterThan(0);
      const files = await readdir(vault, { recursive: true, withFileTypes: true });
      for (const entry of files.filter((e) => e.isFile())) {
        const bytes = await readFile(path.join(entry.parentPath, entry.name));
        for (const v of values) {
          expect(bytes.includes(Buffer.from(JSON.stringify(v))), entry.name).toBe(false);
          const double = Buffer.alloc(8);
          double.writeDoubleLE(v);
          expect(bytes.includes(double), entry.name).toBe(false);
        }
      }
    },
  );
});
