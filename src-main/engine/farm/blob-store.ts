// The farm's data plane: ciphertexts, evaluation keys and model weights travel between the
// key holder and the evaluator nodes as content-addressed blobs in the broker (Redis), not
// inside job messages. A lane batch is ~180 MB and a Galois key set 75 MB or more, so:
// - each blob is keyed by its sha256 and uploaded once: put() first asks whether the
//   broker already holds it complete and, if so, only extends its TTL;
// - it is written in chunks, a few at a time, and made visible by an atomic commit of its
//   manifest (blob-scripts.ts), so a reader never sees a half-written blob;
// - get() reassembles it and checks the sha256 itself: the evaluator trusts the broker no
//   more than the key holder does, and a blob that does not match is an error, not data;
// - every key has a TTL, so a blob nobody touches again, or the chunks of an upload that
//   died before its commit, leave the broker by themselves.
import type { Redis } from 'ioredis';
import { BlobIntegrityError, BlobMissingError } from './blob-errors.ts';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_PREFIX,
  MAX_CHUNK_BYTES,
  MAX_CHUNKS,
  assertDigest,
  assertPrefix,
  blobDigest,
  chunkKey,
  chunkKeys,
  chunkLength,
  decodeManifest,
  encodeManifest,
  layout,
  manifestKey,
  type Manifest,
} from './blob-layout.ts';
import { CHECK_SCRIPT, COMMIT_SCRIPT } from './blob-scripts.ts';
import { describeBrokerOptions } from './broker-url.ts';

export interface BlobStoreOptions {
  /** First part of every key; default `sealsight`. */
  prefix?: string;
  /** Size of one chunk; default 8 MiB. */
  chunkBytes?: number;
  /** Chunks sent or fetched at once; default 2 (bounds the copies ioredis holds). */
  chunksInFlight?: number;
  /** Largest blob get() accepts from a manifest (which the broker could inflate); 4 GiB. */
  maxBlobBytes?: number;
  /** The broker as it may be shown, for error messages; default: from the client's options. */
  broker?: string;
}

export interface PutResult {
  digest: string;
  /** False when the broker already held the blob complete (only its TTL was extended). */
  uploaded: boolean;
  bytes: number;
  chunks: number;
}

type ManifestRead =
  { state: 'absent' } | { state: 'invalid'; reason: string } | { state: 'ok'; manifest: Manifest };

export class BlobStore {
  readonly prefix: string;
  readonly chunkBytes: number;
  readonly #redis: Redis;
  readonly #inFlight: number;
  readonly #maxBlobBytes: number;
  readonly #broker: string;

  constructor(redis: Redis, options: BlobStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    assertPrefix(this.prefix);
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!(Number.isSafeInteger(this.chunkBytes) && this.chunkBytes >= 1))
      throw new RangeError(`chunk size must be a whole number of bytes ≥ 1`);
    if (this.chunkBytes > MAX_CHUNK_BYTES)
      throw new RangeError(`chunk size must be at most ${MAX_CHUNK_BYTES} bytes (Redis's limit)`);
    this.#inFlight = options.chunksInFlight ?? 2;
    if (!(Number.isSafeInteger(this.#inFlight) && this.#inFlight >= 1))
      throw new RangeError('chunksInFlight must be a whole number ≥ 1');
    this.#maxBlobBytes = options.maxBlobBytes ?? 4 * 1024 ** 3;
    this.#broker = options.broker ?? describeClient(redis);
    this.#redis = redis;
  }

  /** Stores `bytes` (if the broker does not hold them already) for at least `ttlMs`. */
  async put(bytes: Uint8Array, ttlMs: number): Promise<PutResult> {
    assertTtl(ttlMs);
    if (bytes.byteLength > this.#maxBlobBytes)
      throw new RangeError(
        `a blob of ${bytes.byteLength} bytes is more than the ${this.#maxBlobBytes} allowed`,
      );
    const manifest = layout(bytes.byteLength, this.chunkBytes);
    if (manifest.chunks > MAX_CHUNKS)
      throw new RangeError(
        `a blob of ${bytes.byteLength} bytes needs more than ${MAX_CHUNKS} chunks of ` +
          `${this.chunkBytes} bytes: use larger chunks`,
      );
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const digest = blobDigest(data);
    const existing = await this.#readManifest(digest);
    if (existing.state === 'ok' && (await this.#check(digest, existing.manifest, ttlMs)))
      return { digest, uploaded: false, bytes: data.byteLength, chunks: existing.manifest.chunks };
    // An incomplete or unreadable copy is removed first, so no reader goes on trusting its
    // manifest while chunks of a possibly different cut are written under the same keys.
    if (existing.state !== 'absent') await this.delete(digest);

    const keys = chunkKeys(this.prefix, digest, manifest);
    for (let first = 0; first < manifest.chunks; first += this.#inFlight) {
      const batch = this.#redis.pipeline();
      for (let i = first; i < Math.min(first + this.#inFlight, manifest.chunks); i++) {
        const start = i * manifest.chunkBytes;
        batch.set(keys[i]!, data.subarray(start, start + chunkLength(manifest, i)), 'PX', ttlMs);
      }
      throwPipelineError(await batch.exec(), this.#broker);
    }
    if (!(await this.#script(COMMIT_SCRIPT, digest, manifest, ttlMs)))
      throw new BlobMissingError(
        digest,
        this.#broker,
        'chunks were lost before the upload was committed (expired, evicted or deleted)',
      );
    return { digest, uploaded: true, bytes: data.byteLength, chunks: manifest.chunks };
  }

  /** The blob's bytes, verified against `digest`. */
  async get(digest: string): Promise<Buffer> {
    assertDigest(digest);
    const read = await this.#readManifest(digest);
    if (read.state === 'absent')
      throw new BlobMissingError(
        digest,
        this.#broker,
        'not found (never uploaded, expired or deleted)',
      );
    if (read.state === 'invalid') throw new BlobIntegrityError(digest, this.#broker, read.reason);
    const { manifest } = read;

    const out = Buffer.allocUnsafe(manifest.length);
    for (let first = 0; first < manifest.chunks; first += this.#inFlight) {
      const last = Math.min(first + this.#inFlight, manifest.chunks);
      const batch = this.#redis.pipeline();
      for (let i = first; i < last; i++) batch.getBuffer(chunkKey(this.prefix, digest, i));
      const replies = throwPipelineError(await batch.exec(), this.#broker);
      replies.forEach((chunk, k) => {
        const i = first + k;
        const what = `chunk ${i + 1} of ${manifest.chunks}`;
        if (chunk === null)
          throw new BlobMissingError(digest, this.#broker, `incomplete: ${what} is missing`);
        if (!Buffer.isBuffer(chunk) || chunk.byteLength !== chunkLength(manifest, i))
          throw new BlobIntegrityError(digest, this.#broker, `${what} has the wrong length`);
        chunk.copy(out, i * manifest.chunkBytes);
      });
    }
    if (blobDigest(out) !== digest)
      throw new BlobIntegrityError(digest, this.#broker, 'its content does not match its digest');
    return out;
  }

  /** True when the broker holds the blob complete (manifest and every chunk at its length). */
  async has(digest: string): Promise<boolean> {
    assertDigest(digest);
    const read = await this.#readManifest(digest);
    return read.state === 'ok' && this.#check(digest, read.manifest, 0);
  }

  /** Extends the blob's TTL to at least `ttlMs` (never shortens it); false if it is not held. */
  async touch(digest: string, ttlMs: number): Promise<boolean> {
    assertDigest(digest);
    assertTtl(ttlMs);
    const read = await this.#readManifest(digest);
    return read.state === 'ok' && this.#check(digest, read.manifest, ttlMs);
  }

  /** Removes the blob (manifest first, so readers stop at once) and any stray chunks of it. */
  async delete(digest: string): Promise<boolean> {
    assertDigest(digest);
    const read = await this.#readManifest(digest);
    const chunks =
      read.state === 'ok'
        ? chunkKeys(this.prefix, digest, read.manifest)
        : await this.#strayChunks(digest);
    // One DEL: atomic, and the manifest is its first key.
    return (await this.#redis.del([manifestKey(this.prefix, digest), ...chunks])) > 0;
  }

  /** The manifest, checked: the broker could hand back anything under its key. */
  async #readManifest(digest: string): Promise<ManifestRead> {
    const text = await this.#redis.get(manifestKey(this.prefix, digest));
    if (text === null) return { state: 'absent' };
    const manifest = decodeManifest(text);
    if (manifest === undefined || manifest.chunks > MAX_CHUNKS)
      return { state: 'invalid', reason: 'its manifest is malformed' };
    if (manifest.length > this.#maxBlobBytes)
      return {
        state: 'invalid',
        reason: `its manifest claims ${manifest.length} bytes, more than the ${this.#maxBlobBytes} allowed`,
      };
    return { state: 'ok', manifest };
  }

  #check(digest: string, manifest: Manifest, ttlMs: number): Promise<boolean> {
    return this.#script(CHECK_SCRIPT, digest, manifest, ttlMs);
  }

  async #script(script: string, digest: string, manifest: Manifest, ttlMs: number) {
    const keys = [manifestKey(this.prefix, digest), ...chunkKeys(this.prefix, digest, manifest)];
    const args = [ttlMs, manifest.chunkBytes, manifest.length, encodeManifest(manifest)];
    // One array, not spread arguments: a call spreading tens of thousands of keys would
    // exhaust the stack.
    const command = [script, keys.length, ...keys, ...args];
    return (await this.#redis.call('EVAL', command)) === 1;
  }

  async #strayChunks(digest: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(
        cursor,
        'MATCH',
        `${this.prefix}:blob:${digest}:*`,
        'COUNT',
        1000,
      );
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }
}

function describeClient(redis: Redis): string {
  const { host, port, username, password, tls, db } = redis.options;
  return describeBrokerOptions({
    host: host ?? 'localhost',
    port: port ?? 6379,
    username: username ?? undefined,
    password: password ?? undefined,
    tls,
    db: db ? db : undefined,
  });
}

function assertTtl(ttlMs: number): void {
  if (!(Number.isSafeInteger(ttlMs) && ttlMs >= 1))
    throw new RangeError(`TTL must be a whole number of milliseconds ≥ 1, got ${ttlMs}`);
}

/** A pipeline's replies, or the first error among them, naming the broker. */
function throwPipelineError(
  results: Array<[Error | null, unknown]> | null,
  broker: string,
): unknown[] {
  if (results === null) throw new Error(`broker ${broker}: the connection closed mid-transfer`);
  for (const [error] of results) if (error) throw new Error(`broker ${broker}: ${error.message}`);
  return results.map(([, value]) => value);
}
