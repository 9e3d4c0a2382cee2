// The evaluation farm: encrypted inference on evaluator nodes through BullMQ on Redis. The
// data plane names a broker by URL, connects with a clear error when that fails, and moves
// content-addressed, verified blobs (ciphertexts, evaluation keys, weights); the job format
// (farm-wire.ts) carries references only; an EvaluatorNode runs jobs on the same evaluation
// threads as local evaluation; a FarmClient and farmEvaluation() are the key holder's side.
export {
  BrokerUrlError,
  brokerUrlWith,
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
export { EvaluatorNode, DEFAULT_MEMORY_BUDGET_BYTES } from './evaluator-node.ts';
export type { EvaluatorNodeOptions } from './evaluator-node.ts';
export { FarmClient, FarmJobError, DEFAULT_BLOB_TTL_MS } from './farm-client.ts';
export type { FarmClientOptions, FarmTraffic } from './farm-client.ts';
export { farmEvaluation } from './farm-evaluation.ts';
export type { FarmEvaluationOptions } from './farm-evaluation.ts';
export { readNodeRecords } from './node-registry.ts';
export type { NodeRecord } from './node-registry.ts';
export { farmStatus } from './farm-status.ts';
export type { FarmStatus } from './farm-status.ts';
