// The evaluation farm tests' vault: a redis-server of the test's own (with a password),
// a vault holding one lane batch and three block-layout images, classified once locally
// on a narrow two-member ensemble (helpers/narrow-model.ts: a lane batch then goes as
// two jobs, one per member, that two nodes can share), and the engine-side helpers the
// cases use to classify through the farm and to check what was stored.
import { expect } from 'vitest';
import net from 'node:net';
import type { Redis } from 'ioredis';
import path from 'node:path';
import {
  classifyVault,
  importFolderWithLayout,
  initVault,
  loadModel,
  openVault,
  readClassifications,
} from '../../src-main/engine/index.ts';
import type { StoredClassification } from '../../src-main/engine/index.ts';
import type { LoadedModel } from '../../src-main/engine/sealed/model/model-file.ts';
import { FarmClient, farmEvaluation } from '../../src-main/engine/farm/index.ts';
import { LANE_PACKING_ID } from '../../src-main/engine/sealed/layouts/layout.ts';
import { withCatalogueFile } from './catalogue-file.ts';
import { labelledFolder, makeTempDir, sampleImages, sampleVariants } from './fixtures.ts';
import { writeNarrowEnsembleModel } from './narrow-model.ts';
import { expectSameClassifications } from './farm-assertions.ts';
import { startRedisServer, type RedisTestServer } from './redis-server.ts';

export const FARM_PASS = 'evaluation farm test';
const PASS = FARM_PASS;

export interface FarmVault {
  readonly server: RedisTestServer;
  readonly tmp: Awaited<ReturnType<typeof makeTempDir>>;
  readonly vaultDir: string;
  readonly modelFile: string;
  readonly model: LoadedModel;
  /** Local evaluation's results, by image. */
  readonly local: Map<string, StoredClassification>;
  readonly imageFiles: Array<{ label: string; file: string }>;
}

export async function createFarmVault(): Promise<FarmVault> {
  let local: Map<string, StoredClassification>;
  const server = await startRedisServer({ password: true });
  const tmp = await makeTempDir();
  const laneImages = await sampleImages(2);
  const blockImages = (await sampleVariants(path.join(tmp.dir, 'variants'), 1, 2)).slice(0, 3);
  await labelledFolder(path.join(tmp.dir, 'lanes'), laneImages);
  await labelledFolder(path.join(tmp.dir, 'blocks'), blockImages);
  const imageFiles = [...laneImages, ...blockImages];
  const modelFile = path.join(tmp.dir, 'model.json');
  await writeNarrowEnsembleModel(
    modelFile,
    imageFiles.map((i) => i.file),
  );
  const model = await loadModel(modelFile);
  const vaultDir = path.join(tmp.dir, 'vault');
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
  return { server, tmp, vaultDir, modelFile, model, local, imageFiles };
}

/** Classify through the farm from the engine, with a client of its own. */
export async function farmClassify(
  { server, vaultDir, model }: FarmVault,
  options: { all?: boolean; groupSize?: number; signal?: AbortSignal; onProgress?: () => void },
  broker = server.url,
) {
  const vault = await openVault(vaultDir, PASS);
  const client = await FarmClient.connect({ broker });
  const backend = farmEvaluation(client, { groupSize: options.groupSize });
  try {
    const report = await classifyVault(vault, {
      model,
      all: options.all,
      evaluation: backend,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return { report, traffic: { ...client.traffic } };
  } finally {
    backend.stop();
    await client.close();
    vault.close();
  }
}

/** Bytes of the vault's lane batch ciphertexts, as stored. */
export async function laneBatchBytes({ vaultDir }: FarmVault): Promise<number> {
  return withCatalogueFile(
    vaultDir,
    (db) => db.prepare('SELECT sum(length(data)) FROM lane_ciphertexts').pluck().get() as number,
  );
}

/** One stored classification per image, equal to local evaluation's. */
export async function expectStoredOnceAndLikeLocal({
  vaultDir,
  model,
  local,
}: FarmVault): Promise<void> {
  const vault = await openVault(vaultDir, PASS);
  try {
    const rows = withCatalogueFile(
      vaultDir,
      (db) =>
        db
          .prepare(
            'SELECT image_id, count(*) AS n FROM classifications WHERE model_id = ? GROUP BY image_id',
          )
          .all(model.id) as Array<{ n: number }>,
    );
    expect(rows).toHaveLength(15);
    expect(rows.every((row) => row.n === 1)).toBe(true);
    expectSameClassifications(readClassifications(vault, model.id), local);
  } finally {
    vault.close();
  }
}

/** Drops the block images' results so that a classify without --all has them to do. */
export async function forgetBlockResults({ vaultDir }: FarmVault): Promise<void> {
  withCatalogueFile(vaultDir, (db) =>
    db
      .prepare(
        'DELETE FROM classifications WHERE image_id IN (SELECT id FROM images WHERE packing_id != ?)',
      )
      .run(LANE_PACKING_ID),
  );
}

export async function waitForQueued(redis: Redis, count: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await redis.llen('sealsight:evaluate:wait')) >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${count} jobs were queued`);
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
