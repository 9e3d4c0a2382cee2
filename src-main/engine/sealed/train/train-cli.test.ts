// `sealsight train` through the real CLI: one JSON document on stdout with --json,
// per-epoch progress with an ETA on stderr, a model file that loads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../model/model-file.ts';
import { forwardChunk } from '../model/chunk-cnn.ts';
import { TOY_CLASSES, writeToyFolder } from './toy-dataset.testutil.ts';

/** A tiny net on the toy images' gradient range: trains in about a second. */
const TOY_NET = ['--threshold', '20', '--channels', '2', '--hidden', '8'];

const CLI = fileURLToPath(new URL('../../../../bin/sealsight.mjs', import.meta.url));

function sealsight(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('sealsight train', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sealsight-train-cli-'));
    await writeToyFolder(path.join(dir, 'data'), 8);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('trains, prints one JSON document and writes a loadable model', async () => {
    const out = path.join(dir, 'models', 'toy.json');
    const run = sealsight([
      'train',
      path.join(dir, 'data'),
      '--out',
      out,
      '--epochs',
      '2',
      '--seed',
      '5',
      '--val-fraction',
      '0.25',
      '--dropout',
      '0.1',
      '--label-smoothing',
      '0.05',
      '--stride',
      '3',
      ...TOY_NET,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      model: out,
      modelId: expect.stringMatching(/^[0-9a-f]{16}$/),
      classes: [...TOY_CLASSES],
      architecture: { channels: 2, kernel: 4, stride: 3, hidden: 8, classes: 2 },
      images: { train: 12, validation: 4, failed: 0 },
      validation: { imageAccuracy: expect.any(Number), featureChunkAccuracy: expect.any(Number) },
    });
    expect(run.stderr).toMatch(/train epoch 2\/2 \(100\.0%\) ETA 0s loss [\d.]+, val image/);
    const model = await loadModel(out);
    expect(model.id).toBe(report.modelId);
    expect(model.file.preprocessing.threshold).toBe(20);
    expect(model.file.provenance).toMatchObject({
      options: { dropout: 0.1, labelSmoothing: 0.05 },
    });
  });

  it('combines separately trained models into an ensemble, refusing ones that do not fit', async () => {
    const files = [6, 7].map((seed) => path.join(dir, 'models', `seed${seed}.json`));
    for (const [n, file] of files.entries()) {
      const run = sealsight([
        'train',
        path.join(dir, 'data'),
        '--out',
        file,
        '--epochs',
        '1',
        '--seed',
        String(6 + n),
        ...TOY_NET,
      ]);
      expect(run.code, run.stderr).toBe(0);
    }
    const out = path.join(dir, 'models', 'ensemble.json');
    const run = sealsight(['ensemble', ...files, '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ model: out, members: 2, sources: files });
    const [a, b] = await Promise.all(files.map((f) => loadModel(f)));
    const ensemble = await loadModel(out);
    expect(ensemble.members.map((m) => m.convWeight)).toEqual([
      a!.weights.convWeight,
      b!.weights.convWeight,
    ]);
    const chunk = Float64Array.from({ length: 784 }, (_, i) => (i % 29) / 28);
    const sum = [a!, b!].map((m) => forwardChunk(m.weights, chunk).scores);
    forwardChunk(ensemble.weights, chunk).scores.forEach((v, c) =>
      expect(v).toBeCloseTo((sum[0]![c]! + sum[1]![c]!) / 2, 9),
    );
    expect(ensemble.file.activationRanges.scores).toBeCloseTo(
      (a!.file.activationRanges.scores + b!.file.activationRanges.scores) / 2,
      12,
    );
    expect(ensemble.file.provenance).toMatchObject({
      trainer: 'sealsight ensemble',
      members: 2,
      sources: [
        { file: 'seed6.json', modelId: a!.id },
        { file: 'seed7.json', modelId: b!.id },
      ],
    });

    // Measured on the training images instead: image scores recorded, ranges within the bound.
    const measuredOut = path.join(dir, 'models', 'ensemble-measured.json');
    const measuredRun = sealsight([
      'ensemble',
      ...files,
      '--out',
      measuredOut,
      '--ranges-from',
      path.join(dir, 'data'),
    ]);
    expect(measuredRun.code, measuredRun.stderr).toBe(0);
    expect(measuredRun.stdout).toMatch(/measured on 16 images/);
    const measured = await loadModel(measuredOut);
    expect(measured.weights).toEqual(ensemble.weights);
    const r = measured.file.activationRanges;
    expect(r.imageScores).toBeGreaterThan(0);
    expect(r.scores).toBeLessThanOrEqual(ensemble.file.activationRanges.scores + 1e-9);
    expect(measured.file.provenance).toMatchObject({ ranges: { measuredOn: { images: 16 } } });

    const other = path.join(dir, 'models', 'other-threshold.json');
    const trained = sealsight([
      'train',
      path.join(dir, 'data'),
      '--out',
      other,
      '--epochs',
      '1',
      '--channels',
      '2',
      '--hidden',
      '8',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const refused = sealsight(['ensemble', files[0]!, other, '--out', path.join(dir, 'no.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${other}: its preprocessing`);
    const alone = sealsight(['ensemble', files[0]!, '--out', path.join(dir, 'no.json')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('at least two model files');
  });

  it('refuses bad options with a usage error and writes nothing', () => {
    const out = path.join(dir, 'bad.json');
    const run = sealsight([
      'train',
      path.join(dir, 'data'),
      '--out',
      out,
      '--epochs',
      '0',
      '--json',
    ]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: expect.stringContaining('--epochs') });
    const dropout = sealsight(['train', path.join(dir, 'data'), '--out', out, '--dropout', '1']);
    expect(dropout.code).toBe(2);
    expect(dropout.stderr).toMatch(/--dropout.*\[0, 1\)/);
    const missing = sealsight(['train', path.join(dir, 'data'), '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: expect.stringContaining('--out') });
    expect(existsSync(out)).toBe(false);
  });
});
