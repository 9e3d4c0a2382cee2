// BullMQ is the farm's job queue, on the same broker and the same URL as the blob store.
// This pins that the two dependencies agree (bullmq over this ioredis, under this Node) on
// a real, password-protected redis-server: a job named by a blob digest goes through a
// queue to a worker and its result comes back, with the connection options that
// parseBrokerUrl gives.
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '../../../test/helpers/redis-server.ts';
import { BlobStore } from './blob-store.ts';
import { parseBrokerUrl } from './broker-url.ts';

let server: RedisTestServer;

beforeAll(async () => {
  server = await startRedisServer({ password: true });
});
afterAll(async () => {
  await server?.stop();
});

it('runs a job that names a blob through a BullMQ queue and worker', async () => {
  const options = parseBrokerUrl(server.url);
  const redis = new Redis(options);
  const store = new BlobStore(redis);
  const queue = new Queue('farm-check', { connection: options, prefix: 'sealsight' });
  const events = new QueueEvents('farm-check', { connection: options, prefix: 'sealsight' });
  const worker = new Worker<{ blob: string }, { bytes: number }>(
    'farm-check',
    async (job) => ({ bytes: (await store.get(job.data.blob)).byteLength }),
    { connection: { ...options, maxRetriesPerRequest: null }, prefix: 'sealsight' },
  );
  try {
    await events.waitUntilReady();
    const { digest } = await store.put(Buffer.alloc(12_345, 7), 60_000);
    const job = await queue.add('count', { blob: digest });
    expect(await job.waitUntilFinished(events, 10_000)).toEqual({ bytes: 12_345 });
  } finally {
    await worker.close();
    await events.close();
    await queue.close();
    redis.disconnect();
  }
});
