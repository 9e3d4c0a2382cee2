// The `sealsight` CLI contract: with --json exactly one JSON document on stdout,
// progress and logs on stderr; exit 0 on success, non-zero with a one-line reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI, REPO_ROOT, makeTempDir, sampleImages } from './helpers/fixtures.ts';
import { writeRandomModel } from './helpers/models.ts';
import { NEU_CLASSES } from '../src-shared/domain/classes.ts';

const PASS = 'cli test passphrase';
const SAMPLES = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls');

function sealsight(args: string[], extraEnv: Record<string, string | undefined> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SEALSIGHT_PASSPHRASE: PASS, ...extraEnv },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function oneJsonDocument(stdout: string): Record<string, unknown> {
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('sealsight CLI', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vault: string;
  beforeAll(async () => {
    tmp = await makeTempDir();
    vault = path.join(tmp.dir, 'vault');
  });
  afterAll(() => tmp.cleanup());

  it('creates a vault, imports the samples, lists and exports with one JSON document each', async () => {
    const init = sealsight(['vault', 'init', vault, '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(oneJsonDocument(init.stdout)).toMatchObject({
      vault,
      vaultId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });

    const imported = sealsight(['import', vault, SAMPLES, '--labels-from-folders', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const report = oneJsonDocument(imported.stdout);
    expect(report).toMatchObject({ imported: 12, duplicates: 0, failed: [], cancelled: false });
    expect(imported.stderr).toMatch(/import 12\/12 \(100\.0%\)/);

    const list = sealsight(['list', vault, '--json']);
    expect(list.code).toBe(0);
    const { images } = oneJsonDocument(list.stdout) as {
      images: Array<{ id: string; name: string; label: string }>;
    };
    expect(images).toHaveLength(12);
    const scratch = images.find((i) => i.label === 'scratches')!;

    const out = path.join(tmp.dir, 'out.bmp');
    const exported = sealsight(['export', vault, scratch.id, out, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(oneJsonDocument(exported.stdout)).toMatchObject({ id: scratch.id, outFile: out });
    expect(
      Buffer.compare(await readFile(out), await readFile(path.join(SAMPLES, scratch.name))),
    ).toBe(0);

    const verify = sealsight(['verify', vault, '--json']);
    expect(verify.code).toBe(0);
    expect(oneJsonDocument(verify.stdout)).toMatchObject({ ok: true, images: 12, problems: [] });
  });

  it('classifies the vault under encryption and lists the predictions', async () => {
    const model = path.join(tmp.dir, 'model.json');
    const samples = (await sampleImages(1)).map((i) => i.file);
    await writeRandomModel(model, 3, samples);
    const run = sealsight(['classify', vault, '--model', model, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = oneJsonDocument(run.stdout) as {
      classified: Array<{ predicted: string; chunksUsed: number }>;
      failed: unknown[];
    };
    expect(report.failed).toEqual([]);
    expect(report.classified).toHaveLength(12);
    for (const r of report.classified) expect(NEU_CLASSES).toContain(r.predicted);
    const list = oneJsonDocument(sealsight(['list', vault, '--json']).stdout) as {
      images: Array<{ classification: { predicted: string } | null }>;
    };
    expect(list.images.every((i) => i.classification !== null)).toBe(true);
    const missing = sealsight([
      'classify',
      vault,
      '--model',
      path.join(tmp.dir, 'none.json'),
      '--json',
    ]);
    expect(missing.code).toBe(2);
    expect(oneJsonDocument(missing.stdout).error).toMatch(/no model at .*none\.json/);
  });

  it('reads the passphrase from --passphrase-file', async () => {
    const file = path.join(tmp.dir, 'pass.txt');
    await writeFile(file, `${PASS}\n`);
    const list = sealsight(['list', vault, '--json', '--passphrase-file', file], {
      SEALSIGHT_PASSPHRASE: undefined,
    });
    expect(list.code, list.stderr).toBe(0);
    expect(oneJsonDocument(list.stdout).count).toBe(12);
  });

  it('never indexes or searches a steel vault with a model from another domain', () => {
    const mednist = path.join(REPO_ROOT, 'assets', 'demo-models', 'obf-mednist.json');
    const index = sealsight(['obf', 'index', vault, '--model', mednist, '--json']);
    expect(index.code).toBe(1);
    expect(index.stdout).toMatch(/obf-mednist\.json was trained on other classes/);
    const sample = path.join(SAMPLES, 'crazing', 'Cr_10.bmp');
    const byFile = sealsight([
      'search',
      vault,
      sample,
      '--tier',
      'obfuscated',
      '--model',
      mednist,
      '--json',
    ]);
    expect(byFile.code).toBe(1);
    expect(byFile.stdout).toMatch(/trained on other classes/);
    // No shipped model is a default: without a model trained on the vault there is no search.
    const noModel = sealsight(['search', vault, sample, '--tier', 'obfuscated', '--json']);
    expect(noModel.code).toBe(1);
    expect(noModel.stdout).toMatch(
      /no obfuscated-tier model is trained on this vault or installed/,
    );
    expect(noModel.stdout).toMatch(/obf train --vault/);
  });

  it('gives a model file a search head without changing the model or its id', async () => {
    const model = path.join(tmp.dir, 'random-model.json');
    await writeRandomModel(
      model,
      3,
      (await sampleImages(1)).map((i) => i.file),
    );
    const out = path.join(tmp.dir, 'headed', 'random-model.json');
    const run = sealsight([
      'embedding-head',
      model,
      SAMPLES,
      '--out',
      out,
      '--dims',
      '4',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = oneJsonDocument(run.stdout);
    const before = JSON.parse(await readFile(model, 'utf8'));
    const after = JSON.parse(await readFile(out, 'utf8'));
    expect(doc).toMatchObject({ model: out, dims: 4, images: 12 });
    const { embeddingHead, ...rest } = after;
    expect(rest).toEqual(before);
    expect(embeddingHead.dims).toBe(4);
    expect(embeddingHead.weight).toHaveLength(4 * before.architecture.hidden);
    // The classifier's id is unchanged; evaluate now reports search figures.
    const evaluated = sealsight(['evaluate', SAMPLES, '--model', out, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = oneJsonDocument(evaluated.stdout);
    expect(report.modelId).toBe(doc.modelId);
    expect(report.retrieval).toMatchObject({ mAP: expect.any(Number) });
    expect(sealsight(['evaluate', SAMPLES, '--model', model, '--json']).stdout).toContain(
      `"modelId":"${String(doc.modelId)}"`,
    );
  });

  it('fails with a non-zero code and a one-line reason', () => {
    const cases: Array<{
      args: string[];
      env?: Record<string, string | undefined>;
      reason: RegExp;
      code: number;
    }> = [
      {
        args: ['list', vault, '--json'],
        env: { SEALSIGHT_PASSPHRASE: 'not the passphrase' },
        reason: /wrong passphrase/i,
        code: 1,
      },
      {
        args: ['list', path.join(tmp.dir, 'nowhere'), '--json'],
        reason: /not a SealSight vault/,
        code: 1,
      },
      {
        args: ['list', vault, '--json'],
        env: { SEALSIGHT_PASSPHRASE: undefined },
        reason: /no passphrase/,
        code: 1,
      },
      { args: ['export', vault, 'zz', 'x.bmp', '--json'], reason: /not an image id/, code: 1 },
      {
        args: ['vault', 'init', path.join(tmp.dir, 'v2'), '--json'],
        env: { SEALSIGHT_PASSPHRASE: 'short' },
        reason: /too short/,
        code: 1,
      },
      { args: ['vault', 'init', vault, '--json'], reason: /not empty/, code: 1 },
      { args: ['import', vault, '--json'], reason: /expected <vault> <folder>/, code: 2 },
      {
        args: ['import', vault, SAMPLES, '--threshold', 'high', '--json'],
        reason: /--threshold/,
        code: 2,
      },
      { args: ['frobnicate', '--json'], reason: /unknown command/, code: 2 },
      {
        args: ['embedding-head', 'model.json', SAMPLES, '--json'],
        reason: /--out <model-file> is required/,
        code: 2,
      },
    ];
    for (const c of cases) {
      const run = sealsight(c.args, c.env);
      expect(run.code, `${c.args.join(' ')}: ${run.stderr}`).toBe(c.code);
      const doc = oneJsonDocument(run.stdout);
      expect(doc.error).toMatch(c.reason);
      expect(String(doc.error)).not.toContain('\n');
      expect(run.stderr).toMatch(/^sealsight: \S.*$/m);
      expect(run.stderr).not.toContain(PASS);
    }
  });
});
