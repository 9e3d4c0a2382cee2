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
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import path from 'node:path';
import { classifyVault, openVault, readClassifications } from '../src-main/engine/index.ts';
import type { StoredClassification } from '../src-main/engine/index.ts';
import type { LoadedModel } from '../src-main/engine/sealed/model/model-file.ts';
import {
  blobDigest,
  FarmClient,
  FarmJobError,
  farmEvaluation,
} from '../src-main/engine/farm/index.ts';
import { laneEvaluatorSetup } from '../src-main/engine/vault/lanes/classify-lanes.ts';
import { LANE_PACKING_ID } from '../src-main/engine/sealed/layouts/layout.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { startRecordingProxy } from './helpers/broker-proxy.ts';
import { withCatalogueFile } from './helpers/catalogue-file.ts';
import type { makeTempDir } from './helpers/fixtures.ts';
import { CLI } from './helpers/fixtures.ts';
import { expectSameClassifications, vaultDigests } from './helpers/farm-assertions.ts';
import type { RedisTestServer } from './helpers/redis-server.ts';
import { startNode, type TestNode } from './helpers/evaluator-nodes.ts';
import {
  closedPort,
  createFarmVault,
  expectStoredOnceAndLikeLocal as expectStoredOnceAndLikeLocalOf,
  FARM_PASS,
  farmClassify as classifyThroughFarm,
  forgetBlockResults as forgetBlockResultsOf,
  laneBatchBytes as laneBatchBytesOf,
  waitForQueued,
} from './helpers/farm-vault.ts';
import type { FarmVault } from './helpers/farm-vault.ts';

const PASS = FARM_PASS;
/** The vault and broker every case shares (helpers/farm-vault.ts), and its parts. */
let farm: FarmVault;
let server: RedisTestServer;
let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let vaultDir: string;
let modelFile: string;
let model: LoadedModel;
let local: Map<string, StoredClassification>;
const nodes: TestNode[] = [];
let imageFiles: Array<{ label: string; file: string }>;

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
  expectSameClassifications(results, local);
}

const farmClassify = (
  options: Parameters<typeof classifyThroughFarm>[1],
  broker?: string,
): ReturnType<typeof classifyThroughFarm> => classifyThroughFarm(farm, options, broker);
const laneBatchBytes = () => laneBatchBytesOf(farm);
const expectStoredOnceAndLikeLocal = () => expectStoredOnceAndLikeLocalOf(farm);
const forgetBlockResults = () => forgetBlockResultsOf(farm);

beforeAll(async () => {
  farm = await createFarmVault();
  ({ server, tmp, vaultDir, modelFile, model, local, imageFiles } = farm);
}, 300_000);

// Each case starts with no node and an empty broker: job ids come from the work itself, so
// a job left finished by one case would otherwise be collected by the next.
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop('SIGKILL')));
  const redis = new Redis(server.url);
  try {
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
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
    // The two shares of the lane batch name one upload of its 784 ciphertexts: the key
    // holder sent it once (keys, weights and the block group are far smaller than a batch).
    const batchBytes = await laneBatchBytes();
    expect(report.farm.bytesSent).toBeGreaterThan(batchBytes);
    expect(report.farm.bytesSent).toBeLessThan(1.5 * batchBytes);
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

  it('a node killed mid-job: another node takes the job over and every image is classified exactly once', async () => {
    await forgetBlockResults();
    const [a, b] = await Promise.all([node('node-a'), node('node-b')]);
    const outcome = farmClassify({ groupSize: 1 });
    // Whichever node starts a job first is killed while evaluating it.
    const victim = await Promise.race(
      [a, b].map((n) => n.waitForLog(/job \w+ \(\w+\) started/, 120_000).then(() => n)),
    );
    await victim.stop('SIGKILL');
    const { report } = await outcome;
    expect(report.failed).toEqual([]);
    expect(report.classified).toHaveLength(3);
    const survivor = victim === a ? b : a;
    // The killed node's job was taken over: the survivor started a job the victim had started.
    const started = (n: TestNode) =>
      [...n.log().matchAll(/job (\w+) \(\w+\) started/g)].map((m) => m[1]);
    expect(started(survivor).some((id) => started(victim).includes(id))).toBe(true);
    await expectStoredOnceAndLikeLocal();
  }, 240_000);

  it('a broker restarted mid-classify (append-only file on): the classify completes', async () => {
    await forgetBlockResults();
    const [a, b] = await Promise.all([node('node-a'), node('node-b')]);
    const outcome = farmClassify({ groupSize: 1 });
    await Promise.race([a, b].map((n) => n.waitForLog(/job \w+ \(\w+\) started/, 120_000)));
    await server.restart();
    const { report } = await outcome;
    expect(report.failed).toEqual([]);
    expect(report.classified).toHaveLength(3);
    await expectStoredOnceAndLikeLocal();
  }, 240_000);

  it('a classify interrupted and run again collects what the farm did and submits only what is missing', async () => {
    await forgetBlockResults();
    await Promise.all([node('node-a'), node('node-b')]);
    const controller = new AbortController();
    const first = await farmClassify({
      groupSize: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(first.report.cancelled).toBe(true);
    expect(first.traffic.submitted).toBe(3); // one job per block image, all in flight at once
    const left = 3 - first.report.classified.length;
    expect(left).toBeGreaterThan(0);
    const second = await farmClassify({ groupSize: 1 });
    expect(second.report.failed).toEqual([]);
    expect(second.report.classified).toHaveLength(left);
    // Every job the rerun needed had been submitted by the first run: nothing is sent again.
    expect(second.traffic.collected).toBe(left);
    expect(second.traffic.submitted).toBe(0);
    await expectStoredOnceAndLikeLocal();
  }, 240_000);

  it('a wrong password or an unreachable broker: one line naming the broker, the vault untouched', async () => {
    const before = await vaultDigests(vaultDir);
    const wrong = server.url.replace(server.password!, 'not-the-password');
    const denied = cli(['classify', vaultDir, '--model', modelFile, '--all', '--broker', wrong]);
    expect(denied.status).toBe(1);
    const line = denied.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(`redis://:***@127.0.0.1:${server.port}`);
    expect(line).toMatch(/password|credentials|auth/i);
    expect(line).not.toContain('not-the-password');
    const port = await closedPort();
    const away = cli([
      'classify',
      vaultDir,
      '--model',
      modelFile,
      '--broker',
      `redis://127.0.0.1:${port}`,
    ]);
    expect(away.status).toBe(1);
    expect(away.stderr.trim().split('\n')).toHaveLength(1);
    expect(away.stderr).toContain(`redis://127.0.0.1:${port}`);
    expect(await vaultDigests(vaultDir)).toEqual(before);
    // A node given the wrong password does not start, and says why in one line.
    const refused = spawnSync(process.execPath, [CLI, 'evaluator', '--broker', wrong], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`redis://:***@127.0.0.1:${server.port}`);
    expect(refused.stderr).not.toContain('not-the-password');
  }, 120_000);

  it('a job for a key set the nodes cannot fetch fails with that reason, and its images stay unclassified', async () => {
    await forgetBlockResults();
    // No node yet: the jobs wait in the queue while the key set's relinearisation keys vanish.
    const vault = await openVault(vaultDir, PASS);
    const client = await FarmClient.connect({ broker: server.url });
    const backend = farmEvaluation(client, { groupSize: 1 });
    try {
      const relin = blobDigest(vault.currentKeyset().evaluation.relinKeys);
      const outcome = classifyVault(vault, { model, evaluation: backend });
      const redis = new Redis(server.url);
      try {
        for (let i = 0; i < 200 && (await redis.exists(`sealsight:blob:${relin}`)) === 0; i++)
          await new Promise((r) => setTimeout(r, 100));
        await waitForQueued(redis, 3);
        const manifest = await redis.keys(`sealsight:*${relin}*`);
        expect(manifest.length).toBeGreaterThan(0);
        await redis.del(manifest);
      } finally {
        redis.disconnect();
      }
      await node('node-a');
      const report = await outcome;
      expect(report.classified).toEqual([]);
      expect(report.failed).toHaveLength(3);
      for (const failure of report.failed)
        expect(failure.reason).toMatch(/cannot fetch the relinearisation keys of key set 1/);
      const stored = withCatalogueFile(vaultDir, (db) =>
        db
          .prepare(
            `SELECT count(*) FROM classifications c JOIN images i ON i.id = c.image_id
             WHERE i.packing_id != ?`,
          )
          .pluck()
          .get(LANE_PACKING_ID),
      );
      expect(stored).toBe(0);
    } finally {
      backend.stop();
      await client.close();
      vault.close();
    }
  }, 120_000);

  it('a job that fails on every attempt is reported with its reason after the attempts', async () => {
    const vault = await openVault(vaultDir, PASS);
    const client = await FarmClient.connect({ broker: server.url, attempts: 2 });
    try {
      await node('node-a');
      // A lane job with one ciphertext where a batch has 784: the node's engine refuses it.
      const setup = await client.prepare(laneEvaluatorSetup(vault.currentKeyset(), model, 1), {
        keysetId: 1,
        modelId: model.id,
      });
      const task = { kind: 'lanes', inputs: [new Uint8Array(64).fill(7)], hidden: null } as const;
      const failure = client.run(setup, task);
      await expect(failure).rejects.toThrow(FarmJobError);
      await expect(failure).rejects.toThrow(
        /after 2 attempt\(s\): a lane batch has 784 ciphertexts, got 1/,
      );
      // Run again, the failed job is submitted afresh (and fails again, for the same reason).
      await expect(client.run(setup, task)).rejects.toThrow(/after 2 attempt\(s\)/);
      expect(client.traffic.submitted).toBe(2);
    } finally {
      await client.close();
      vault.close();
    }
  }, 120_000);

  it('nothing written to Redis during a classify holds a key, the passphrase, a name, a label or pixels', async () => {
    const proxy = await startRecordingProxy({ host: '127.0.0.1', port: server.port });
    const through = server.url.replace(`:${server.port}`, `:${proxy.port}`);
    try {
      await Promise.all([
        startNode(through, 'node-a').then((n) => nodes.push(n)),
        startNode(through, 'node-b').then((n) => nodes.push(n)),
      ]);
      const { report } = await farmClassify({ all: true }, through);
      expect(report.classified).toHaveLength(15);
      await Promise.all(nodes.splice(0).map((n) => n.stop('SIGTERM')));
      const sent = proxy.sent();
      // The evaluation keys, weights and ciphertexts did go through (the scan sees the traffic).
      expect(sent.byteLength).toBeGreaterThan(1_000_000);
      const vault = await openVault(vaultDir, PASS);
      const secrets: Array<[string, Uint8Array]> = [];
      try {
        const secretKey = vault.unwrapCkksSecretKey(vault.currentKeyset().id);
        for (const offset of [0, 64, 1024, secretKey.byteLength - 48])
          secrets.push([`secret key @${offset}`, secretKey.subarray(offset, offset + 32)]);
        const { blobKey, ckksMacKey } = vault.sealingKeys;
        for (const [what, key] of [
          ['blob key', blobKey],
          ['MAC key', ckksMacKey],
          ['dedupe key', vault.dedupeKey],
        ] as const) {
          secrets.push([what, key]);
          secrets.push([`${what} (hex)`, Buffer.from(Buffer.from(key).toString('hex'))]);
        }
        secrets.push(['vault id', Buffer.from(vault.vaultId)]);
      } finally {
        vault.close();
      }
      secrets.push(['passphrase', Buffer.from(PASS)]);
      for (const { label, file } of imageFiles) {
        secrets.push([`label ${label}`, Buffer.from(label)]);
        secrets.push([`name ${path.basename(file)}`, Buffer.from(path.basename(file))]);
        const bytes = await readFile(file);
        const processed = await processImage(bytes, file, {});
        for (const offset of [1000, 5000, 9000])
          secrets.push([
            `pixels of ${file} @${offset}`,
            processed.pixels.subarray(offset, offset + 24),
          ]);
        for (const offset of [2000, bytes.byteLength - 100])
          secrets.push([`bytes of ${file} @${offset}`, bytes.subarray(offset, offset + 24)]);
      }
      for (const [what, bytes] of secrets) {
        // A run of one repeated byte says nothing (and could occur anywhere): skip it.
        if (new Set(bytes).size < 4) continue;
        expect(sent.indexOf(bytes), what).toBe(-1);
      }
    } finally {
      await proxy.close();
    }
  }, 240_000);
});
