// The node's blob cache over a real BlobStore on a real redis-server: it keeps what fits in
// its budget, forgets the least recently used first, does not keep a blob bigger than the
// budget, and lets concurrent requests for one digest share a single fetch from the broker.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '../../../test/helpers/redis-server.ts';
import { BlobCache, type BlobSource } from './blob-cache.ts';
import { BlobMissingError } from './blob-errors.ts';
import { blobDigest } from './blob-layout.ts';
import { BlobStore } from './blob-store.ts';
import { parseBrokerUrl } from './broker-url.ts';

const MB = 1_000_000;
const HOUR = 3_600_000;
let server: RedisTestServer;
let redis: Redis;
let store: BlobStore;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(parseBrokerUrl(server.url));
  store = new BlobStore(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

/** The store, counting what each digest was fetched for. */
function counted(): BlobSource & { fetched: string[] } {
  const fetched: string[] = [];
  return {
    fetched,
    get: (digest) => {
      fetched.push(digest);
      return store.get(digest);
    },
  };
}

async function upload(bytes: number): Promise<{ digest: string; bytes: Buffer }> {
  const data = randomBytes(bytes);
  return { digest: (await store.put(data, HOUR)).digest, bytes: data };
}

it('keeps blobs within its budget and forgets the least recently used first', async () => {
  const [a, b, c, d] = await Promise.all([upload(MB), upload(MB), upload(MB), upload(MB)]);
  const source = counted();
  const cache = new BlobCache(source, 3.5 * MB);

  expect((await cache.get(a!.digest)).equals(a!.bytes)).toBe(true);
  await cache.get(b!.digest);
  await cache.get(c!.digest);
  expect(cache.bytes).toBe(3 * MB);
  expect((await cache.get(a!.digest)).equals(a!.bytes)).toBe(true); // a hit: a is now newest
  expect(source.fetched).toEqual([a!.digest, b!.digest, c!.digest]);

  await cache.get(d!.digest); // no room: b, the least recently used, goes
  expect(cache.holds(b!.digest)).toBe(false);
  expect([a, c, d].map((x) => cache.holds(x!.digest))).toEqual([true, true, true]);
  expect(cache.bytes).toBe(3 * MB);
  expect(cache.stats).toEqual({ hits: 1, fetches: 4, shared: 0, evictions: 1, tooBig: 0 });

  await cache.get(b!.digest); // fetched again; c is now the oldest and goes
  expect(source.fetched).toHaveLength(5);
  expect(cache.holds(c!.digest)).toBe(false);
  expect(cache.bytes).toBeLessThanOrEqual(cache.budgetBytes);

  expect(cache.delete(a!.digest)).toBe(true);
  expect(cache.bytes).toBe(2 * MB);
  cache.clear();
  expect(cache.bytes).toBe(0);
});

it('hands over a blob bigger than the whole budget without keeping it', async () => {
  const big = await upload(2 * MB);
  const small = await upload(MB / 2);
  const source = counted();
  const cache = new BlobCache(source, MB);
  await cache.get(small.digest);
  expect((await cache.get(big.digest)).equals(big.bytes)).toBe(true);
  expect(cache.holds(big.digest)).toBe(false);
  expect(cache.holds(small.digest)).toBe(true); // nothing was dropped for it
  await cache.get(big.digest);
  expect(source.fetched.filter((d) => d === big.digest)).toHaveLength(2);
  expect(cache.stats.tooBig).toBe(2);
  expect(new BlobCache(source, 0).budgetBytes).toBe(0);
  expect(() => new BlobCache(source, -1)).toThrow(/memory budget/);
});

it('lets concurrent requests for one digest share a single fetch from the broker', async () => {
  const blob = await upload(10 * MB);
  const source = counted();
  const cache = new BlobCache(source, 50 * MB);
  const sentBefore = await bytesSent();
  const results = await Promise.all(Array.from({ length: 5 }, () => cache.get(blob.digest)));
  const sent = (await bytesSent()) - sentBefore;

  expect(source.fetched).toEqual([blob.digest]);
  expect(cache.stats).toMatchObject({ fetches: 1, shared: 4, hits: 0 });
  for (const result of results) expect(result).toBe(results[0]);
  expect(results[0]!.equals(blob.bytes)).toBe(true);
  // The broker really sent the blob once, not five times.
  expect(sent).toBeGreaterThan(10 * MB);
  expect(sent).toBeLessThan(11 * MB);
});

it('does not keep a failed fetch, nor one that was deleted while under way', async () => {
  const data = randomBytes(1000);
  const digest = blobDigest(data);
  const source = counted();
  const cache = new BlobCache(source, MB);
  const failures = await Promise.allSettled([cache.get(digest), cache.get(digest)]);
  for (const failure of failures) {
    expect(failure.status).toBe('rejected');
    expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(BlobMissingError);
  }
  expect(source.fetched).toHaveLength(1);

  await store.put(data, HOUR); // uploaded now: the next request fetches again and succeeds
  expect((await cache.get(digest)).equals(data)).toBe(true);
  expect(source.fetched).toHaveLength(2);

  cache.clear();
  const pending = cache.get(digest);
  expect(cache.delete(digest)).toBe(true);
  expect((await pending).equals(data)).toBe(true);
  expect(cache.holds(digest)).toBe(false);
});

/** Bytes the server has sent to all its clients so far (INFO stats). */
async function bytesSent(): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_net_output_bytes:(\d+)/.exec(info)![1]);
}
