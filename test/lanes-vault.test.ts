// The lanes storage layout end to end, on a narrow net so it runs in seconds: a forced
// `lanes` import cancelled while its batch fills stores nothing, and its re-run stores
// ONE batch of 784 MAC'd ciphertexts beside a small blocks import;
// verify authenticates it; the key holder reads an image's chunks back from its lanes;
// classify evaluates the batch (relinearisation key only) and per-image lane sums match
// the float64 network; a flipped byte in a batch ciphertext or a re-pointed lane map is
// caught by verify and by classify; a batch write that fails midway leaves nothing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  classifyVault,
  importFolderWithLayout,
  initVault,
  openVault,
  readClassifications,
  verifyVault,
} from '../src-main/engine/index.ts';
import { decryptChunkGrid, decryptMeta, getImage } from '../src-main/engine/vault/read-image.ts';
import { laneEvaluatorSetup } from '../src-main/engine/vault/lanes/classify-lanes.ts';
import { LANE_PACKING_ID } from '../src-main/engine/sealed/layouts/layout.ts';
import { WorkerPool } from '../src-main/engine/workers/worker-pool.ts';
import { splitHidden } from '../src-main/engine/sealed/layouts/lanes/lane-cnn-engine.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { aggregateImage, randomChunkCnn } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import { referenceChunkScores } from '../src-main/engine/sealed/train/evaluate-chunk-cnn.ts';
import { measureActivationRanges } from '../src-main/engine/sealed/model/activation-ranges.ts';
import { parseModel, serializeModel } from '../src-main/engine/sealed/model/model-file.ts';
import type { LoadedModel } from '../src-main/engine/sealed/model/model-file.ts';
import { NEU_CLASSES } from '../src-shared/domain/classes.ts';
import {
  CLI,
  labelledFolder,
  makeTempDir,
  sampleImages,
  sampleVariants,
} from './helpers/fixtures.ts';
import { openCatalogueFile } from './helpers/catalogue-file.ts';

const PASS = 'lanes layout test';
// 28×28 input as stored, narrow net: 1 channel, kernel 7, stride 7 → 4×4, hidden 4.
const ARCH = { inputSize: 28, channels: 1, kernel: 7, stride: 7, hidden: 4, classes: 6 };

describe('lanes storage layout', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;
  let model: LoadedModel;
  /** name → float64 image scores of its feature chunks (the oracle). */
  const expected = new Map<string, Float64Array>();
  const featurePixels = new Map<string, Uint8Array[]>();

  beforeAll(async () => {
    tmp = await makeTempDir();
    // The 12 bundled samples in one lane batch; two rotated copies (new bytes) as blocks.
    const lanesImages = await sampleImages(2);
    const blockImages = (await sampleVariants(path.join(tmp.dir, 'variants'), 1, 2)).slice(0, 2);
    await labelledFolder(path.join(tmp.dir, 'lanes'), lanesImages);
    await labelledFolder(path.join(tmp.dir, 'blocks'), blockImages);
    const chunks: Float64Array[] = [];
    for (const { label, file } of [...lanesImages, ...blockImages]) {
      const processed = await processImage(await readFile(file), file, {});
      const feature = processed.chunks.filter((c) => c.isFeature).map((c) => c.pixels);
      featurePixels.set(`${label}/${path.basename(file)}`, feature);
      chunks.push(...feature.map((p) => Float64Array.from(p, (v) => v / 255)));
    }
    const weights = randomChunkCnn(ARCH, 9);
    model = parseModel(
      serializeModel(weights, {
        classes: NEU_CLASSES,
        threshold: 100,
        minFeatureChunks: 0,
        activationRanges: measureActivationRanges(weights, chunks),
      }),
      'lanes-test',
    );
    for (const [name, feature] of featurePixels) {
      expected.set(name, aggregateImage(referenceChunkScores(weights, feature)));
    }
    vaultDir = path.join(tmp.dir, 'vault');
    await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
  });
  afterAll(() => tmp.cleanup());

  it('imports one lane batch beside blocks, verifies, reads lanes back, classifies like float64', async () => {
    const vault = await openVault(vaultDir, PASS);
    const db = openCatalogueFile(vaultDir);
    try {
      const small = await importFolderWithLayout(vault, path.join(tmp.dir, 'blocks'), {
        labelsFromFolders: true,
      });
      expect(small.storage.layout).toBe('blocks'); // 2 new images < LANES_MIN_IMAGES
      // Cancelled while the batch is filling: nothing of it is stored, the report says so.
      const controller = new AbortController();
      const cancelled = await importFolderWithLayout(vault, path.join(tmp.dir, 'lanes'), {
        layout: 'lanes',
        workers: 1,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      expect(cancelled.report.cancelled).toBe(true);
      expect(cancelled.report.imported).toBe(0);
      expect(db.prepare('SELECT count(*) FROM lane_batches').pluck().get()).toBe(0);
      // The re-run imports everything (resume).
      const big = await importFolderWithLayout(vault, path.join(tmp.dir, 'lanes'), {
        labelsFromFolders: true,
        layout: 'lanes',
        workers: 2,
      });
      expect(big.report.failed).toEqual([]);
      expect(big.report.imported).toBe(12);
      expect(big.storage).toEqual({ layout: 'lanes', laneBatches: 1, blockImages: 0 });

      expect(db.prepare('SELECT count(*) FROM lane_batches').pluck().get()).toBe(1);
      expect(db.prepare('SELECT count(*) FROM lane_ciphertexts').pluck().get()).toBe(784);
      const laneImages = db
        .prepare('SELECT count(*) FROM images WHERE packing_id = ?')
        .pluck()
        .get(LANE_PACKING_ID);
      expect(laneImages).toBe(12);
      // Whole images, contiguous lanes of one batch (as their sealed layouts say); no
      // per-image CKKS ciphertext.
      const lanes = vault.catalogue.read.images
        .list()
        .filter((row) => row.packingId === LANE_PACKING_ID)
        .flatMap((row) => {
          const placed = decryptMeta(vault, row).layout.lanes!;
          return Array.from({ length: placed.count }, (_, k) => placed.firstLane + k);
        })
        .sort((x, y) => x - y);
      expect(lanes).toEqual(lanes.map((_, i) => i));
      const lanesUsed = db.prepare('SELECT lanes_used FROM lane_batches').pluck().get();
      expect(lanesUsed).toBe(lanes.length);
      expect(
        db
          .prepare(
            `SELECT count(*) FROM ckks_ciphertexts k JOIN images i ON i.id = k.image_id
             WHERE i.packing_id = ?`,
          )
          .pluck()
          .get(LANE_PACKING_ID),
      ).toBe(0);

      const report = verifyVault(vault);
      expect(report.problems).toEqual([]);
      expect(report.images).toBe(14);
      expect(report.itemsChecked).toBeGreaterThan(784);

      // The key holder reads one lane image's feature chunks back from the batch.
      const laneUid = big.report.importedIds[3]!;
      const summary = getImage(vault, laneUid);
      const grid = await decryptChunkGrid(vault, laneUid);
      const want = featurePixels.get(summary.name)!;
      const got = summary.featureIndices.map((index) => grid[index - 1]!);
      expect(got).toHaveLength(want.length);
      got.forEach((chunk, k) =>
        chunk.forEach((v, p) => expect(Math.abs(v - want[k]![p]!)).toBeLessThanOrEqual(1)),
      );

      // Classify: the lane worker is handed the relinearisation key and the batch only.
      const run = vi.spyOn(WorkerPool.prototype, 'run');
      const progress: number[] = [];
      const result = await classifyVault(vault, {
        model,
        workers: 2,
        onProgress: (p) => progress.push(p.done),
      });
      const secret = Buffer.from(vault.unwrapCkksSecretKey(vault.currentKeyset().id));
      const needle = secret.subarray(secret.length >> 1, (secret.length >> 1) + 64);
      const setup = laneEvaluatorSetup(vault.currentKeyset(), model, 1);
      expect(setup.keys.galoisKeys).toBeNull();
      const laneJobs = run.mock.calls
        .map((call) => call[0] as { inputs?: Uint8Array[]; hidden?: unknown })
        .filter((job) => job.inputs);
      run.mockRestore();
      // One batch, two workers: the batch is split in two halves of the hidden units.
      expect(laneJobs.map((job) => job.hidden)).toEqual(splitHidden(ARCH.hidden, 2));
      expect(laneJobs[0]!.inputs).toHaveLength(784);
      for (const bytes of [setup.keys.relinKeys, ...laneJobs.flatMap((job) => job.inputs!)])
        expect(Buffer.from(bytes).indexOf(needle)).toBe(-1);
      expect(result.failed).toEqual([]);
      expect(result.classified).toHaveLength(14);
      expect(progress.at(-1)).toBe(14);
      const stored = readClassifications(vault, model.id);
      expect(stored.size).toBe(14);
      for (const item of result.classified) {
        const oracle = expected.get(item.name)!;
        const scale = Math.max(1, ...oracle.map(Math.abs));
        item.scores.forEach((v, c) => expect(Math.abs(v - oracle[c]!)).toBeLessThan(1e-2 * scale));
        expect(stored.get(item.id)!.scores).toEqual(item.scores);
        expect(item.chunksUsed).toBe(featurePixels.get(item.name)!.length);
      }
    } finally {
      db.close();
      vault.close();
    }
  });

  it('detects a flipped byte in a batch ciphertext and a re-pointed lane map (verify and classify)', async () => {
    const vault = await openVault(vaultDir, PASS);
    const db = openCatalogueFile(vaultDir);
    try {
      db.function('flip', (blob: Buffer, at: number) => {
        const copy = Buffer.from(blob);
        copy[at] = copy[at]! ^ 0x01;
        return copy;
      });
      db.prepare('UPDATE lane_ciphertexts SET data = flip(data, 5000) WHERE pixel = 100').run();
      const report = verifyVault(vault);
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]!.image).toMatch(/^lane batch [0-9a-f]{32}$/);
      expect(report.problems[0]!.item).toBe('pixel:100');
      const again = await classifyVault(vault, { model, workers: 1, all: true });
      expect(again.failed).toHaveLength(12);
      expect(again.failed[0]!.reason).toMatch(/integrity check failed.*pixel 100/);
      expect(again.classified).toHaveLength(2); // the block-layout images are unaffected
      db.prepare('UPDATE lane_ciphertexts SET data = flip(data, 5000) WHERE pixel = 100').run();
      expect(verifyVault(vault).problems).toEqual([]);

      // Which lanes are an image's is sealed twice (its layout, the batch's lane map):
      // swapping two lane images' metadata, re-pointing one at another batch, deleting a
      // pixel ciphertext or flipping a byte of the lane map are each named by verify.
      const [a, b] = db
        .prepare(`SELECT i.id FROM images i WHERE i.packing_id = ? ORDER BY i.id LIMIT 2`)
        .pluck()
        .all(LANE_PACKING_ID) as number[];
      const uidOf = db.prepare('SELECT uid FROM images WHERE id = ?').pluck();
      const metaOf = db.prepare('SELECT meta FROM images WHERE id = ?').pluck();
      const setMeta = db.prepare('UPDATE images SET meta = ? WHERE id = ?');
      const swapMeta = () => {
        const [ma, mb] = [metaOf.get(a), metaOf.get(b)];
        setMeta.run(mb, a);
        setMeta.run(ma, b);
      };
      swapMeta();
      const swapped = verifyVault(vault).problems;
      expect(swapped.map((p) => [p.image, p.item]).sort()).toEqual(
        [
          [uidOf.get(a), 'meta'],
          [uidOf.get(b), 'meta'],
        ].sort(),
      );
      swapMeta();
      db.pragma('foreign_keys = OFF');
      db.prepare('UPDATE images SET lane_batch_id = 99 WHERE id = ?').run(a);
      expect(verifyVault(vault).problems.map((p) => [p.image, p.item])).toEqual([
        [uidOf.get(a), 'lanes'],
      ]);
      db.prepare(
        'UPDATE images SET lane_batch_id = (SELECT id FROM lane_batches) WHERE id = ?',
      ).run(a);
      db.pragma('foreign_keys = ON');
      const lastPixel = db
        .prepare('SELECT data, mac FROM lane_ciphertexts WHERE pixel = 783')
        .get() as {
        data: Buffer;
        mac: Buffer;
      };
      db.prepare('DELETE FROM lane_ciphertexts WHERE pixel = 783').run();
      expect(verifyVault(vault).problems.map((p) => p.item)).toEqual(['pixel ciphertexts']);
      const gone = await classifyVault(vault, { model, workers: 1, all: true });
      expect(gone.failed).toHaveLength(12);
      expect(gone.failed[0]!.reason).toMatch(/783 of 784 pixel ciphertexts/);
      db.prepare(
        'INSERT INTO lane_ciphertexts (batch_id, pixel, data, mac) SELECT id, 783, ?, ? FROM lane_batches',
      ).run(lastPixel.data, lastPixel.mac);
      db.prepare('UPDATE lane_batches SET lane_map = flip(lane_map, 20)').run();
      const mapProblems = verifyVault(vault).problems;
      expect(mapProblems.map((p) => p.item)).toContain('lane-map');
      expect(mapProblems.filter((p) => p.item === 'lanes')).toHaveLength(12);
      db.prepare('UPDATE lane_batches SET lane_map = flip(lane_map, 20)').run();
      expect(verifyVault(vault).problems).toEqual([]);
    } finally {
      db.close();
      vault.close();
    }
  });

  it('refuses an unknown --layout on the CLI with a usage error', () => {
    const run = spawnSync(
      process.execPath,
      [CLI, 'import', vaultDir, tmp.dir, '--layout', 'sideways', '--json'],
      { env: { ...process.env, SEALSIGHT_PASSPHRASE: PASS }, encoding: 'utf8' },
    );
    expect(run.status).toBe(2);
    expect(run.stdout + run.stderr).toMatch(/--layout must be one of auto, blocks, lanes/);
  });

  it('writes a batch and its images in one transaction: a failure midway stores nothing', async () => {
    const vault = await openVault(vaultDir, PASS);
    const db = openCatalogueFile(vaultDir);
    try {
      const before = db
        .prepare(
          `SELECT (SELECT count(*) FROM images) || '/' || (SELECT count(*) FROM lane_batches) || '/' || (SELECT count(*) FROM lane_ciphertexts)`,
        )
        .pluck()
        .get();
      const existingMac = db
        .prepare('SELECT content_mac FROM images LIMIT 1')
        .pluck()
        .get() as Buffer;
      const fakeImage = (uid: string, contentMac: Buffer) => ({
        uid,
        contentMac,
        keysetId: vault.currentKeyset().id,
        packingId: LANE_PACKING_ID,
        meta: Buffer.from([1]),
        original: Buffer.from([2]),
        rest: Buffer.from([3]),
      });
      expect(() =>
        vault.catalogue.write((tx) =>
          tx.laneBatches.insert(
            {
              uid: 'f'.repeat(32),
              lanesUsed: 2,
              laneMap: Buffer.from([0]),
              ciphertexts: Array.from({ length: 784 }, (_, pixel) => ({
                pixel,
                data: Buffer.from([pixel & 0xff]),
                mac: Buffer.from([0]),
              })),
            },
            [
              fakeImage('a'.repeat(32), Buffer.alloc(32, 7)),
              // The second image collides with a stored one (same content MAC): the insert fails late.
              fakeImage('b'.repeat(32), existingMac),
            ],
            vault.currentKeyset().id,
          ),
        ),
      ).toThrow(/UNIQUE/);
      const after = db
        .prepare(
          `SELECT (SELECT count(*) FROM images) || '/' || (SELECT count(*) FROM lane_batches) || '/' || (SELECT count(*) FROM lane_ciphertexts)`,
        )
        .pluck()
        .get();
      expect(after).toBe(before);
    } finally {
      db.close();
      vault.close();
    }
  });
});
