// The evaluation farm's data plane, as the job format, the evaluator node and the CLI use it:
// name a broker by URL, connect to it with a clear error when that fails, and move
// content-addressed, verified blobs (ciphertexts, evaluation keys, weights) through it.
export {
  BrokerUrlError,
  DEFAULT_REDIS_PORT,
  describeBroker,
  describeBrokerOptions,
  parseBrokerUrl,
} from './broker-url.ts';
export type { BrokerOptions } from './broker-url.ts';
export { BrokerConnectionError, openBroker } from './broker-connection.ts';
export type { BrokerConnection, OpenBrokerOptions } from './broker-connection.ts';
export { BlobStore } from './blob-store.ts';
export type { BlobStoreOptions, PutResult } from './blob-store.ts';
export { BlobError, BlobIntegrityError, BlobMissingError } from './blob-errors.ts';
export { BlobCache } from './blob-cache.ts';
export type { BlobCacheStats, BlobSource } from './blob-cache.ts';
export { DEFAULT_CHUNK_BYTES, DEFAULT_PREFIX, blobDigest } from './blob-layout.ts';
