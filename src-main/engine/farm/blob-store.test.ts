// The data plane against a real redis-server: blobs come back byte for byte, the same bytes
// are sent once, TTLs are set and only ever extended, a reader never sees a half-written
// blob, and a broker that hands back wrong or partial bytes is caught by the reader.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '../../../test/helpers/redis-server.ts';
import { BlobIntegrityError, BlobMissingError } from './blob-errors.ts';
import { blobDigest } from './blob-layout.ts';
import { BlobStore } from './blob-store.ts';
import { parseBrokerUrl } from './broker-url.ts';

const MiB = 1024 * 1024;
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

/** Bytes the server has read from all its clients so far (INFO stats). */
async function bytesReceived(): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_net_input_bytes:(\d+)/.exec(info)![1]);
}

async function keysOf(digest: string): Promise<string[]> {
  return (await redis.keys(`sealsight:blob:${digest}*`)).sort();
}

describe('put and get', () => {
  it('round-trips a small blob and an empty one', async () => {
    const small = randomBytes(1000);
    const put = await store.put(small, HOUR);
    expect(put).toEqual({ digest: blobDigest(small), uploaded: true, bytes: 1000, chunks: 1 });
    expect((await store.get(put.digest)).equals(small)).toBe(true);
    const empty = await store.put(new Uint8Array(0), HOUR);
    expect(empty.chunks).toBe(0);
    expect((await store.get(empty.digest)).byteLength).toBe(0);
    expect(await store.has(empty.digest)).toBe(true);
  });

  it('splits 20 MB into 8 MiB chunks under <prefix>:blob:<digest>:<i> and reassembles it', async () => {
    const big = randomBytes(20_000_000);
    const { digest, chunks } = await store.put(big, HOUR);
    expect(chunks).toBe(3);
    expect(await keysOf(digest)).toEqual([
      `sealsight:blob:${digest}`,
      `sealsight:blob:${digest}:0`,
      `sealsight:blob:${digest}:1`,
      `sealsight:blob:${digest}:2`,
    ]);
    // No single value (so no single command) moves more than one chunk.
    const lengths = await Promise.all(
      [0, 1, 2].map((i) => redis.strlen(`sealsight:blob:${digest}:${i}`)),
    );
    expect(lengths).toEqual([8 * MiB, 8 * MiB, 20_000_000 - 16 * MiB]);
    expect(JSON.parse((await redis.get(`sealsight:blob:${digest}`))!)).toEqual({
      v: 1,
      length: 20_000_000,
      chunkBytes: 8 * MiB,
      chunks: 3,
    });
    const back = await store.get(digest);
    expect(back.equals(big)).toBe(true);
  });

  it('reads a blob whatever chunk size it was written with', async () => {
    const bytes = randomBytes(MiB + 7);
    const fine = new BlobStore(redis, { chunkBytes: 64 * 1024, chunksInFlight: 3 });
    const { digest, chunks } = await fine.put(bytes, HOUR);
    expect(chunks).toBe(17);
    expect((await store.get(digest)).equals(bytes)).toBe(true);
    // The default store finds it complete and sends nothing: the stored cut is honoured.
    expect((await store.put(bytes, HOUR)).uploaded).toBe(false);
  });

  it('sends the same bytes once: a second put only extends the TTL', async () => {
    const bytes = randomBytes(20_000_000);
    const before = await bytesReceived();
    expect((await store.put(bytes, HOUR)).uploaded).toBe(true);
    const first = (await bytesReceived()) - before;
    expect(first).toBeGreaterThan(20_000_000);

    const other = new Redis(parseBrokerUrl(server.url)); // another client, e.g. another job
    try {
      const again = await new BlobStore(other).put(bytes, HOUR);
      const second = (await bytesReceived()) - before - first;
      expect(again).toEqual({ digest: blobDigest(bytes), uploaded: false, bytes: 20e6, chunks: 3 });
      expect(second).toBeLessThan(8 * 1024); // a GET and a small script, not 20 MB
    } finally {
      other.disconnect();
    }
  });

  it('keeps blobs of different prefixes apart and refuses bad digests and prefixes', async () => {
    const other = new BlobStore(redis, { prefix: 'farm-b' });
    const { digest } = await other.put(Buffer.from('only under farm-b'), HOUR);
    expect(await other.has(digest)).toBe(true);
    expect(await store.has(digest)).toBe(false);
    expect(await redis.exists(`farm-b:blob:${digest}`, `farm-b:blob:${digest}:0`)).toBe(2);
    await expect(store.get('ABC')).rejects.toThrow(RangeError);
    await expect(store.has('*')).rejects.toThrow(/not a blob digest/);
    expect(() => new BlobStore(redis, { prefix: 'a*b' })).toThrow(/key prefix/);
    expect(() => new BlobStore(redis, { chunkBytes: 0 })).toThrow(/chunk size/);
    await expect(store.put(Buffer.from('x'), 0)).rejects.toThrow(/TTL/);
  });
});

describe('TTL', () => {
  it('sets a TTL on every key, extends it on put and touch, and never shortens it', async () => {
    const bytes = randomBytes(3 * 64 * 1024);
    const small = new BlobStore(redis, { chunkBytes: 64 * 1024 });
    const { digest } = await small.put(bytes, 60_000);
    /** The smallest and largest TTL among the manifest and its 3 chunks. */
    const ttlRange = async () => {
      const keys = await keysOf(digest);
      expect(keys).toHaveLength(4);
      const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
      return { low: Math.min(...ttls), high: Math.max(...ttls) };
    };
    const first = await ttlRange();
    expect(first.low).toBeGreaterThan(50_000);
    expect(first.high).toBeLessThanOrEqual(60_000);

    expect((await small.put(bytes, 600_000)).uploaded).toBe(false);
    expect((await ttlRange()).low).toBeGreaterThan(590_000);

    expect(await small.touch(digest, 1_000)).toBe(true); // asks for less: keeps the longer TTL
    expect((await ttlRange()).low).toBeGreaterThan(590_000);
    expect(await small.touch(digest, 2 * HOUR)).toBe(true);
    expect((await ttlRange()).low).toBeGreaterThan(2 * HOUR - 10_000);

    expect(await small.touch('00'.repeat(32), HOUR)).toBe(false);
  });

  it('lets a blob expire with its TTL', async () => {
    const { digest } = await store.put(randomBytes(5000), 300);
    expect(await store.has(digest)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await keysOf(digest)).toEqual([]);
    expect(await store.has(digest)).toBe(false);
    await expect(store.get(digest)).rejects.toThrow(BlobMissingError);
  });
});

describe('a broker that does not hand back the blob', () => {
  const chunkBytes = 64 * 1024;
  const fine = () => new BlobStore(redis, { chunkBytes });

  it('detects a flipped byte in a chunk, naming the digest', async () => {
    const bytes = randomBytes(3 * chunkBytes);
    const { digest } = await fine().put(bytes, HOUR);
    const key = `sealsight:blob:${digest}:1`;
    const original = (await redis.getrangeBuffer(key, 100, 100))[0]!;
    await redis.setrange(key, 100, Buffer.from([original ^ 0x01]));
    const error = await fine()
      .get(digest)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobIntegrityError);
    expect((error as BlobIntegrityError).digest).toBe(digest);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^blob ${digest} from broker redis://127\\.0\\.0\\.1:${server.port} failed verification: its content does not match its digest`,
      ),
    );
  });

  it('detects a truncated chunk and a malformed or inflated manifest', async () => {
    const bytes = randomBytes(3 * chunkBytes);
    const { digest } = await fine().put(bytes, HOUR);
    await redis.set(`sealsight:blob:${digest}:2`, bytes.subarray(0, 10), 'KEEPTTL');
    await expect(fine().get(digest)).rejects.toThrow(/chunk 3 of 3 has the wrong length/);
    expect(await fine().has(digest)).toBe(false);

    const manifestKey = `sealsight:blob:${digest}`;
    await redis.set(manifestKey, '{"v":1,"length":5}', 'KEEPTTL');
    await expect(fine().get(digest)).rejects.toThrow(/its manifest is malformed/);

    const tooManyChunks = { v: 1, length: 2 ** 20, chunkBytes: 1, chunks: 2 ** 20 };
    await redis.set(manifestKey, JSON.stringify(tooManyChunks), 'KEEPTTL');
    await expect(fine().get(digest)).rejects.toThrow(/its manifest is malformed/);
    expect(await fine().has(digest)).toBe(false);

    const huge = { v: 1, length: 2 ** 40, chunkBytes: 2 ** 29, chunks: 2 ** 11 };
    await redis.set(manifestKey, JSON.stringify(huge), 'KEEPTTL');
    await expect(new BlobStore(redis, { maxBlobBytes: 100 * MiB }).get(digest)).rejects.toThrow(
      /claims 1099511627776 bytes, more than the 104857600 allowed/,
    );

    // A put of the same bytes finds the copy broken and writes it anew.
    expect((await fine().put(bytes, HOUR)).uploaded).toBe(true);
    expect((await fine().get(digest)).equals(bytes)).toBe(true);
  });

  it('says which chunk is missing, and a new put repairs it', async () => {
    const bytes = randomBytes(3 * chunkBytes);
    const { digest } = await fine().put(bytes, HOUR);
    await redis.del(`sealsight:blob:${digest}:1`);
    const error = await fine()
      .get(digest)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobMissingError);
    expect((error as Error).message).toBe(
      `blob ${digest} in broker redis://127.0.0.1:${server.port}: incomplete: chunk 2 of 3 is missing`,
    );
    expect(await fine().has(digest)).toBe(false);
    expect(await fine().touch(digest, HOUR)).toBe(false);
    expect((await fine().put(bytes, HOUR)).uploaded).toBe(true);
    expect((await fine().get(digest)).equals(bytes)).toBe(true);
  });
});

describe('upload and removal', () => {
  it('never shows a reader a half-written blob', async () => {
    const bytes = randomBytes(20_000_000);
    const writer = new BlobStore(redis, { chunkBytes: MiB });
    const readerClient = new Redis(parseBrokerUrl(server.url));
    const reader = new BlobStore(readerClient);
    try {
      const digest = blobDigest(bytes);
      const outcomes = { absent: 0, whole: 0 };
      let done = false;
      const upload = writer.put(bytes, HOUR).finally(() => (done = true));
      while (!done) {
        // Every read sees either no blob at all or all of it; never a missing chunk.
        const got = await reader.get(digest).catch((e: unknown) => e);
        if (got instanceof BlobMissingError && /not found/.test(got.message)) outcomes.absent++;
        else if (Buffer.isBuffer(got) && got.equals(bytes)) outcomes.whole++;
        else throw got;
      }
      await upload;
      expect(outcomes.absent).toBeGreaterThan(0);
      expect((await reader.get(digest)).equals(bytes)).toBe(true);
    } finally {
      readerClient.disconnect();
    }
  });

  it('deletes a blob, and stray chunks of an upload that never committed', async () => {
    const { digest } = await new BlobStore(redis, { chunkBytes: 1000 }).put(
      randomBytes(2500),
      HOUR,
    );
    expect(await keysOf(digest)).toHaveLength(4);
    expect(await store.delete(digest)).toBe(true);
    expect(await keysOf(digest)).toEqual([]);
    expect(await store.delete(digest)).toBe(false);

    const stray = blobDigest(Buffer.from('an upload that died'));
    await redis.set(`sealsight:blob:${stray}:0`, 'partial', 'PX', HOUR);
    await redis.set(`sealsight:blob:${stray}:1`, 'partial', 'PX', HOUR);
    expect(await store.has(stray)).toBe(false);
    await expect(store.get(stray)).rejects.toThrow(/not found/);
    expect(await store.delete(stray)).toBe(true);
    expect(await keysOf(stray)).toEqual([]);
  });
});

it('keeps blobs and their TTLs across a broker restart (AOF)', async () => {
  const own = await startRedisServer();
  const connect = () => new Redis({ ...parseBrokerUrl(own.url), maxRetriesPerRequest: 1 });
  let client = connect();
  try {
    const bytes = randomBytes(3 * MiB + 11);
    const { digest } = await new BlobStore(client, { chunkBytes: MiB }).put(bytes, HOUR);
    client.disconnect();
    await own.restart();
    // With no RDB snapshots (--save ''), what came back came back from the append-only file.
    expect(existsSync(path.join(own.dir, 'dump.rdb'))).toBe(false);
    expect(readdirSync(path.join(own.dir, 'appendonlydir')).length).toBeGreaterThan(0);
    client = connect();
    const after = new BlobStore(client);
    expect(await after.has(digest)).toBe(true);
    expect((await after.get(digest)).equals(bytes)).toBe(true);
    const ttl = await client.pttl(`sealsight:blob:${digest}:3`);
    expect(ttl).toBeGreaterThan(HOUR - 60_000);
    expect(ttl).toBeLessThanOrEqual(HOUR);
  } finally {
    client.disconnect();
    await own.stop();
  }
});
