// The app's classify on an evaluation farm, on real processes: the AppService (no Electron)
// with the vault's evaluation setting pointing at a redis-server of the test's own, and two
// `sealsight evaluator` child processes. The setting crosses the boundary without its
// password and refuses a wrong one by what is wrong; a wrong broker password fails the job
// with the broker's one line and leaves every vault file as it was; with the right one the
// two nodes classify the vault with the results of local evaluation (the same vault
// classified on this computer first), and progress counts the evaluator nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import {
  classifyVault,
  loadModel,
  openVault,
  readClassifications,
} from '../src-main/engine/index.ts';
import type { StoredClassification } from '../src-main/engine/index.ts';
import { createAppService } from '../src-main/app/app-service.ts';
import type { AppService } from '../src-main/app/app-service.ts';
import { checkResponse } from '../src-main/app/renderer-boundary.ts';
import type { ProgressEvent } from '../src-shared/contract/ipc.ts';
import { labelledFolder, makeTempDir, sampleImages } from './helpers/fixtures.ts';
import { withCatalogueFile } from './helpers/catalogue-file.ts';
import { writeNarrowEnsembleModel } from './helpers/narrow-model.ts';
import { expectSameClassifications, vaultDigests } from './helpers/farm-assertions.ts';
import { startRedisServer, type RedisTestServer } from './helpers/redis-server.ts';
import { startNode } from './helpers/evaluator-nodes.ts';

const PASS = 'app farm test passphrase';

let server: RedisTestServer;
let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let service: AppService;
let vaultDir: string;
let modelFile: string;
let local: Map<string, StoredClassification>;
const events: ProgressEvent[] = [];

function setFarm(password: 'keep' | 'clear' | { replace: string }) {
  return service.handle('evaluation:set', {
    setting: { kind: 'farm', broker: `redis://127.0.0.1:${server.port}`, password },
  });
}

beforeAll(async () => {
  server = await startRedisServer({ password: true });
  tmp = await makeTempDir('sealsight-app-farm-');
  const images = await sampleImages(1);
  const folder = path.join(tmp.dir, 'inspection');
  await labelledFolder(folder, images);
  modelFile = path.join(tmp.dir, 'model.json');
  await writeNarrowEnsembleModel(
    modelFile,
    images.map((i) => i.file),
  );
  service = createAppService({
    stateDir: path.join(tmp.dir, 'state'),
    idleLockMs: 0,
    kdf: { logN: 14 },
    workers: 2,
    shippedModelFile: modelFile,
  });
  service.onProgress((event) => events.push(event));
  vaultDir = path.join(tmp.dir, 'vault');
  await service.handle('vault:create', { dir: vaultDir, passphrase: PASS });
  await service.handle('import:run', {
    jobId: 'job-import-farm',
    folder,
    labelsFromFolders: true,
    threshold: 100,
  });
  // The reference: the same vault classified on this computer first (which also makes its
  // Galois keys, so both runs evaluate with the same keys); its results are then removed, so
  // the app's classify has every image to do again.
  await service.handle('vault:lock', {});
  const vault = await openVault(vaultDir, PASS);
  try {
    const report = await classifyVault(vault, { model: await loadModel(modelFile), workers: 2 });
    expect(report.failed).toEqual([]);
    expect(report.classified).toHaveLength(6);
    local = readClassifications(vault, report.modelId);
    withCatalogueFile(vaultDir, (db) => db.prepare('DELETE FROM classifications').run());
  } finally {
    vault.close();
  }
  await service.handle('vault:unlock', { dir: vaultDir, passphrase: PASS });
}, 240_000);

afterAll(async () => {
  await service?.dispose();
  await server?.stop();
  await tmp?.cleanup();
});

describe('classify on an evaluation farm from the app', () => {
  it('stores the setting without sending the password back, and refuses a wrong one', async () => {
    expect(await service.handle('evaluation:get', {})).toEqual({ kind: 'local' });
    const set = await setFarm({ replace: server.password! });
    expect(set).toEqual({
      kind: 'farm',
      broker: `redis://127.0.0.1:${server.port}`,
      auth: 'password',
    });
    const got = await service.handle('evaluation:get', {});
    expect(got).toEqual(set);
    expect(JSON.stringify([set, got])).not.toContain(server.password!);
    // The contract has no field for it: a response that carried one would not leave.
    expect(() =>
      checkResponse('evaluation:get', { ...(got as object), password: server.password }),
    ).toThrow(/response does not match the contract/);
    await expect(
      service.handle('evaluation:set', {
        setting: { kind: 'farm', broker: 'http://127.0.0.1:6379', password: 'keep' },
      }),
    ).rejects.toMatchObject({ code: 'invalid-request', message: /starts with redis:\/\// });
    const inUrl = (await service
      .handle('evaluation:set', {
        setting: { kind: 'farm', broker: server.url, password: 'keep' },
      })
      .catch((e: unknown) => e)) as { code: string; message: string };
    expect(inUrl).toMatchObject({
      code: 'invalid-request',
      message: /leave the credentials out of the URL/,
    });
    expect(inUrl.message).not.toContain(server.password!);
    expect(await service.handle('evaluation:get', {})).toEqual(set);
  });

  it('fails with the broker’s one line on a wrong password and writes nothing to the vault', async () => {
    await setFarm({ replace: 'not the broker password' });
    const before = await vaultDigests(vaultDir);
    const run = service.handle('classify:run', { jobId: 'job-farm-wrong', modelId: null });
    const error = (await run.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('not the broker password');
    const failed = events.filter((e) => e.jobId === 'job-farm-wrong').at(-1)!;
    expect(failed).toMatchObject({ phase: 'failed', message: error.message });
    expect(await vaultDigests(vaultDir)).toEqual(before);
  });

  it('classifies through two evaluator nodes with the results of local evaluation', async () => {
    await setFarm({ replace: server.password! });
    const nodes = await Promise.all([
      startNode(server.url, 'app-node-a'),
      startNode(server.url, 'app-node-b'),
    ]);
    try {
      const report = (await service.handle('classify:run', {
        jobId: 'job-farm-right',
        modelId: null,
      })) as { classified: number; failed: unknown[]; evaluatedOn: string };
      expect(report.failed).toEqual([]);
      expect(report.classified).toBe(6);
      expect(report.evaluatedOn).toBe(
        `the evaluation farm at redis://:***@127.0.0.1:${server.port}`,
      );
      const progress = events.filter((e) => e.jobId === 'job-farm-right');
      expect(progress[0]!.message).toMatch(
        /^connecting to the evaluation farm at redis:\/\/:\*\*\*@/,
      );
      const counted = progress.filter((e) => e.phase === 'running' && e.total === 6);
      expect(counted.at(-1)).toMatchObject({ done: 6, metrics: { nodes: 2 } });
      expect(counted.at(-1)!.message).toBe('6/6 classified under encryption on 2 evaluator nodes');
      expect(progress.at(-1)!.message).toMatch(/^6 classified on the evaluation farm at /);
      expect(JSON.stringify(progress)).not.toContain(server.password!);
    } finally {
      for (const node of nodes) expect(await node.stop('SIGTERM')).toBe(0);
    }
    await service.handle('vault:lock', {});
    const vault = await openVault(vaultDir, PASS);
    try {
      expectSameClassifications(readClassifications(vault, [...local.values()][0]!.modelId), local);
    } finally {
      vault.close();
    }
  }, 240_000);
});
