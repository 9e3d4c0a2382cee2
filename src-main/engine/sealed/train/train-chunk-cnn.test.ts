// The trainer end to end on a tiny synthetic labelled folder: it learns, its figures
// are the engine's (reference forward pass, feature-chunk sums), it is deterministic
// for a seed, and the model file it writes loads back with the same weights.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trainChunkCnn } from './train-chunk-cnn.ts';
import { TrainingCancelled } from '../../ml/training-schedule.ts';
import type { TrainOptions, TrainProgress, TrainResult } from './train-chunk-cnn.ts';
import { loadLabelledFolder } from './labelled-folder.ts';
import type { LabelledFolder } from './labelled-folder.ts';
import { loadModel, parseModel } from '../model/model-file.ts';
import { mergeEnsemble } from '../model/chunk-cnn-ensemble.ts';
import { measureActivationRanges } from '../model/activation-ranges.ts';
import { TOY_CLASSES, writeToyFolder } from './toy-dataset.testutil.ts';

const TOY: TrainOptions = {
  epochs: 6,
  seed: 3,
  valFraction: 0.25,
  architecture: { channels: 2, kernel: 4, hidden: 8 },
  batchImages: 4,
  learningRate: 0.01,
};

describe('trainChunkCnn on a toy folder', () => {
  let dir: string;
  let folder: LabelledFolder;
  let first: TrainResult;
  const progress: TrainProgress[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sealsight-train-'));
    await writeToyFolder(path.join(dir, 'data'), 12);
    folder = await loadLabelledFolder(path.join(dir, 'data'), {
      threshold: 20,
      minFeatureChunks: 3,
    });
    first = await trainChunkCnn(folder, { ...TOY, onProgress: (p) => progress.push(p) });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the folder through the import pipeline', () => {
    expect(folder.classes).toEqual([...TOY_CLASSES]);
    expect(folder.images).toHaveLength(24);
    expect(folder.failed).toEqual([]);
    expect(folder.dataHash).toMatch(/^[0-9a-f]{64}$/);
    // Every image has at least the minimum of feature chunks, topped up by gradient score.
    for (const image of folder.images) {
      const features = image.isFeature.filter(Boolean).length;
      expect(features).toBeGreaterThanOrEqual(3);
      const above = image.scores!.filter((s) => s > 20).length;
      expect(features).toBe(Math.max(above, 3));
    }
  });

  it('learns the two classes to high image- and chunk-level accuracy', () => {
    const { report } = first;
    expect(report.images).toEqual({ train: 18, validation: 6, failed: 0 });
    expect(report.validation!.imageAccuracy).toBe(1);
    expect(report.validation!.featureChunkAccuracy).toBeGreaterThan(0.9);
    expect(report.finalLoss).toBeLessThan(0.5);
    expect(report.seconds.train).toBeLessThan(60);
  });

  it('reports per-epoch progress whose tf figures agree with the exported weights', () => {
    const epochs = progress.filter((p) => p.phase === 'train');
    expect(epochs.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    const last = epochs.at(-1)!;
    expect(last.etaMs).toBe(0);
    expect(last.loss).toBeLessThan(epochs[0]!.loss); // it learned something
    expect(last.validation!.imageAccuracy).toBe(first.report.validation!.imageAccuracy);
    expect(last.validation!.featureChunkAccuracy).toBe(
      first.report.validation!.featureChunkAccuracy,
    );
  });

  it('records HE-safe activation ranges measured on the training chunks', () => {
    const { report, weights } = first;
    expect(report.he.scoreScale).toBeGreaterThan(0);
    expect(report.activationRanges.fc1).toBeLessThan(report.he.budget.fc1);
    const all = folder.images.flatMap((img) =>
      img.chunks.map((c) => Float64Array.from(c, (v) => v / 255)),
    );
    const everywhere = measureActivationRanges(weights, all);
    expect(report.activationRanges.scores).toBeLessThanOrEqual(everywhere.scores);
    expect(report.activationRanges.scores).toBeGreaterThan(0);
    // Image scores: sums over each training image's feature chunks (measured, not bounded).
    const imageScores = report.activationRanges.imageScores!;
    expect(imageScores).toBeGreaterThan(0);
    expect(imageScores).toBeLessThanOrEqual(16 * report.activationRanges.scores);
  });

  it('writes a model file that loads back with the same weights and provenance', async () => {
    const file = path.join(dir, 'model.json');
    await writeFile(file, first.modelText);
    const loaded = await loadModel(file);
    expect(loaded.weights).toEqual(first.weights);
    expect(loaded.file.classes).toEqual([...TOY_CLASSES]);
    expect(loaded.file.preprocessing.threshold).toBe(20);
    expect(loaded.file.preprocessing.minFeatureChunks).toBe(3);
    expect(loaded.file.activationRanges).toEqual(first.report.activationRanges);
    expect(loaded.file.provenance).toMatchObject({
      dataHash: folder.dataHash,
      seed: 3,
      epochs: 6,
      valFraction: 0.25,
      validation: { imageAccuracy: 1 },
      backend: expect.stringContaining('wasm'),
    });
  });

  it('refuses, before training, a net the packed CKKS engine cannot evaluate', async () => {
    // At the default stride 4 a 1024-slot block holds 16 channels; at stride 3, 9.
    await expect(trainChunkCnn(folder, { ...TOY, architecture: { channels: 17 } })).rejects.toThrow(
      /17 conv channels do not fit/,
    );
    await expect(
      trainChunkCnn(folder, { ...TOY, architecture: { channels: 10, stride: 3 } }),
    ).rejects.toThrow(/10 conv channels do not fit/);
    await expect(trainChunkCnn(folder, { ...TOY, architecture: { kernel: 29 } })).rejects.toThrow(
      RangeError,
    );
  });

  it('trains an ensemble: members seed, seed + 1 on one split, merged so scores add up', async () => {
    const ensembleProgress: TrainProgress[] = [];
    const ensemble = await trainChunkCnn(folder, {
      ...TOY,
      members: 2,
      onProgress: (p) => ensembleProgress.push(p),
    });
    const second = await trainChunkCnn(folder, { ...TOY, seed: 4, splitSeed: 3 });
    expect(ensemble.weights).toEqual(mergeEnsemble([first.weights, second.weights]));
    expect(ensemble.report.architecture).toMatchObject({ channels: 4, hidden: 16, members: 2 });
    const epochs = ensembleProgress.filter((p) => p.phase === 'train');
    expect(epochs.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(epochs.every((p) => p.epochs === 12)).toBe(true);
    expect(epochs[5]!.etaMs).toBeGreaterThan(0); // the second member is still to come
    const loaded = parseModel(ensemble.modelText, 'ensemble.json');
    expect(loaded.members).toHaveLength(2);
    expect(loaded.file.provenance).toMatchObject({ seed: 3, members: 2, memberSeeds: [3, 4] });
    await expect(trainChunkCnn(folder, { ...TOY, members: 0 })).rejects.toThrow(/members must/);
  });

  it('trains members in worker threads at once with the same weights as one by one', async () => {
    const ensembleProgress: TrainProgress[] = [];
    const parallel = await trainChunkCnn(folder, {
      ...TOY,
      members: 2,
      parallelMembers: 2,
      onProgress: (p) => ensembleProgress.push(p),
    });
    const sequential = await trainChunkCnn(folder, { ...TOY, members: 2 });
    expect(parallel.weights).toEqual(sequential.weights);
    const epochs = ensembleProgress.filter((p) => p.phase === 'train');
    expect(epochs.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(epochs.at(-1)!.etaMs).toBe(0);
  });

  it('cancels members training in worker threads', async () => {
    const controller = new AbortController();
    const run = trainChunkCnn(folder, {
      ...TOY,
      epochs: 200,
      members: 2,
      parallelMembers: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'train') controller.abort();
      },
    });
    await expect(run).rejects.toThrow(TrainingCancelled);
  });

  it('regularises with dropout and label smoothing: deterministic, recorded, still learning', async () => {
    const options = { ...TOY, dropout: 0.2, labelSmoothing: 0.1 };
    const regularised = await trainChunkCnn(folder, options);
    const again = await trainChunkCnn(folder, options);
    expect(again.weights).toEqual(regularised.weights); // the dropout masks follow the seed
    expect(regularised.weights.fc1Weight).not.toEqual(first.weights.fc1Weight);
    expect(regularised.report.validation!.imageAccuracy).toBe(1);
    const loaded = parseModel(regularised.modelText, 'regularised.json');
    expect(loaded.file.provenance).toMatchObject({
      options: { dropout: 0.2, labelSmoothing: 0.1 },
    });
    // Without them the provenance's options are as before (older files compare equal).
    expect(parseModel(first.modelText, 'first.json').file.provenance).not.toHaveProperty(
      'options.dropout',
    );
    await expect(trainChunkCnn(folder, { ...TOY, dropout: 1 })).rejects.toThrow(/dropout/);
    await expect(trainChunkCnn(folder, { ...TOY, labelSmoothing: -0.1 })).rejects.toThrow(
      /label smoothing/,
    );
  });

  it('is deterministic for a seed, and another seed gives other weights', async () => {
    const again = await trainChunkCnn(folder, TOY);
    expect(again.weights).toEqual(first.weights);
    const other = await trainChunkCnn(folder, { ...TOY, seed: 4, epochs: 1 });
    expect(other.weights.convWeight).not.toEqual(first.weights.convWeight);
  });
});
