// Worker thread of an import: decode → preprocess → compound-encrypt one image.
// It is given the AES blob key, the CKKS MAC key and the CKKS secret key (the
// importer is the key holder; symmetric CKKS encryption halves ciphertext size).
import { parentPort, workerData } from 'node:worker_threads';
import { processImage } from '../image/index.ts';
import { loadSeal } from '../sealed/ckks/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../sealed/ckks/ckks-presets.ts';
import { chunkPackingById } from '../sealed/layouts/blocks/chunk-packing.ts';
import { CkksChunkCipher } from '../sealed/layouts/blocks/chunk-cipher.ts';
import { serveWorkerRequests } from '../workers/worker-pool.ts';
import { sealImage } from './sealed-image.ts';
import type { ImageSealingKeys, SealedImage } from './sealed-image.ts';

export interface ImportWorkerData {
  readonly keys: ImageSealingKeys;
  readonly ckksSecretKey: Uint8Array;
  readonly presetId: string;
  readonly packingId: string;
}

export interface ImportJob {
  readonly uid: string;
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly label: string | null;
  readonly threshold: number;
  readonly minFeatureChunks: number;
  readonly maxPixels: number;
}

if (!parentPort) throw new Error('import-worker must run as a worker thread');
const port = parentPort;
const init = workerData as ImportWorkerData;
const seal = await loadSeal();
const ckks = createCkksContext(seal, ckksPresetById(init.presetId));
const cipher = new CkksChunkCipher(
  seal,
  ckks,
  chunkPackingById(init.packingId),
  init.ckksSecretKey,
);
init.ckksSecretKey.fill(0);

serveWorkerRequests<ImportJob, SealedImage>(port, async (job) => {
  const processed = await processImage(job.bytes, job.name, {
    threshold: job.threshold,
    minFeatureChunks: job.minFeatureChunks,
    maxPixels: job.maxPixels,
  });
  // Results are copied, not transferred: some blobs are views into Node's shared
  // Buffer pool, and ~1 MB per image is cheap to clone.
  return { response: sealImage(job.uid, processed, job.bytes, job, init.keys, cipher) };
});
