// The key holder's side of the farm against a node that lies, on a real redis-server: a
// rogue BullMQ worker in this process stands in for a malicious evaluator node and returns
// results of the wrong shape, or names a blob whose bytes the broker altered. The client
// must refuse both, and another job's result, before anything is decrypted. Also: the shares of one lane batch upload
// its inputs once, and a finished job is collected, not submitted again.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '../../../test/helpers/redis-server.ts';
import { randomChunkCnn } from '../sealed/model/chunk-cnn.ts';
import type { EvaluationSetup } from '../sealed/inference/evaluation-task.ts';
import { BlobIntegrityError } from './blob-errors.ts';
import { BlobStore } from './blob-store.ts';
import { parseBrokerUrl } from './broker-url.ts';
import { FarmClient } from './farm-client.ts';
import { EVALUATION_QUEUE, packBlobs, type FarmJob, type FarmResult } from './farm-wire.ts';

let server: RedisTestServer;
let client: FarmClient;
let rogue: Worker<FarmJob, FarmResult> | undefined;

const SETUP: EvaluationSetup = {
  presetId: 'test',
  packingId: 'lanes',
  weights: randomChunkCnn(
    { inputSize: 28, channels: 1, kernel: 7, stride: 7, hidden: 2, classes: 6 },
    1,
  ),
  scoreScale: 1,
  keys: { relinKeys: new Uint8Array(1000).fill(1), galoisKeys: null },
};
const IDS = { keysetId: 1, modelId: 'm' };
const inputs = Array.from({ length: 4 }, (_, i) => new Uint8Array(50_000).fill(i + 1));

/** A worker that answers every job with what `answer` stores as the job's result. */
function startRogue(
  answer: (store: BlobStore, jobId: string) => Promise<Omit<FarmResult, 'node'>>,
) {
  const redis = new Redis(server.url);
  const store = new BlobStore(redis);
  rogue = new Worker<FarmJob, FarmResult>(
    EVALUATION_QUEUE,
    async (job) => ({ ...(await answer(store, job.id!)), node: 'rogue' }),
    {
      connection: { ...parseBrokerUrl(server.url), maxRetriesPerRequest: null },
      prefix: 'sealsight',
    },
  );
  rogue.on('closed', () => redis.disconnect());
  return rogue;
}

const shape = { seconds: 1, brokerSeconds: 0, rotations: 0, profileMs: {} };

beforeAll(async () => {
  server = await startRedisServer({ password: true });
});
afterEach(async () => {
  await rogue?.close();
  rogue = undefined;
  await client?.close();
  const redis = new Redis(server.url);
  await redis.flushall();
  redis.disconnect();
});
afterAll(async () => {
  await server?.stop();
});

describe('farm client against a lying node', () => {
  it('refuses a lane result with the wrong number of class ciphertexts', async () => {
    client = await FarmClient.connect({ broker: server.url, attempts: 1 });
    const setup = await client.prepare(SETUP, IDS);
    startRogue(async (store, jobId) => {
      const parts = [Buffer.from(jobId), new Uint8Array(10), new Uint8Array(10)]; // 2, not 6 classes
      return { ...shape, results: (await store.put(packBlobs(parts), 60_000)).digest, counts: [2] };
    });
    await expect(client.run(setup, { kind: 'lanes', inputs, hidden: null })).rejects.toThrow(
      /node rogue returned a result of the wrong shape/,
    );
  });

  it('refuses a result blob the broker altered after the node stored it', async () => {
    client = await FarmClient.connect({ broker: server.url, attempts: 1 });
    const setup = await client.prepare(SETUP, IDS);
    startRogue(async (store, jobId) => {
      const parts = [Buffer.from(jobId), ...Array.from({ length: 6 }, () => new Uint8Array(10))];
      const { digest } = await store.put(packBlobs(parts), 60_000);
      const redis = new Redis(server.url);
      const key = `sealsight:blob:${digest}:0`;
      const chunk = (await redis.getBuffer(key))!;
      chunk[chunk.length - 1] ^= 1;
      await redis.set(key, chunk);
      redis.disconnect();
      return { ...shape, results: digest, counts: [6] };
    });
    await expect(client.run(setup, { kind: 'lanes', inputs, hidden: null })).rejects.toThrow(
      BlobIntegrityError,
    );
  });

  it('uploads the inputs of a lane batch once for all its shares, and collects a finished job', async () => {
    client = await FarmClient.connect({ broker: server.url, attempts: 1 });
    const setup = await client.prepare(SETUP, IDS);
    const afterSetup = client.traffic.bytesSent;
    startRogue(async (store, jobId) => {
      const parts = [Buffer.from(jobId), ...Array.from({ length: 6 }, () => new Uint8Array(10))];
      return { ...shape, results: (await store.put(packBlobs(parts), 60_000)).digest, counts: [6] };
    });
    const shares = [
      { from: 0, to: 1 },
      { from: 1, to: 2 },
    ];
    const outputs = await Promise.all(
      shares.map((hidden) => client.run(setup, { kind: 'lanes', inputs, hidden })),
    );
    expect(outputs.map((o) => o.results[0]!.length)).toEqual([6, 6]);
    const framed = packBlobs(inputs).byteLength;
    expect(client.traffic.bytesSent - afterSetup).toBe(framed);
    expect(client.traffic.submitted).toBe(2);
  });

  it("refuses another job's result", async () => {
    client = await FarmClient.connect({ broker: server.url, attempts: 1 });
    const setup = await client.prepare(SETUP, IDS);
    startRogue(async (store) => {
      const parts = [
        Buffer.from('f'.repeat(64)),
        ...Array.from({ length: 6 }, () => new Uint8Array(10)),
      ];
      return { ...shape, results: (await store.put(packBlobs(parts), 60_000)).digest, counts: [6] };
    });
    await expect(client.run(setup, { kind: 'lanes', inputs, hidden: null })).rejects.toThrow(
      /node rogue returned the result of another job/,
    );
  });
});
