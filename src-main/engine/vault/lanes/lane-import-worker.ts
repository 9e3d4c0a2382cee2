// Worker thread of a lanes-layout import. Three jobs:
// - image: decode → preprocess → seal the AES parts; the feature chunks' pixels go back
//   to the importer in memory (they are CKKS-encrypted with the rest of their batch);
// - lane-pixels: encrypt + MAC a range of a full batch's 784 pixel vectors;
// - blocks: encrypt one image's feature chunks in the block layout (a small last batch
//   is stored as blocks: a lane batch costs the same to classify whether full or not).
// Holds the AES blob key, the CKKS MAC key and the CKKS secret key (the importer is the
// key holder; symmetric CKKS encryption halves ciphertext size).
import { parentPort, workerData } from 'node:worker_threads';
import { processImage } from '../../image/index.ts';
import { loadSeal } from '../../sealed/ckks/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../../sealed/ckks/ckks-presets.ts';
import { BLOCK_PACKING_1024 } from '../../sealed/layouts/blocks/chunk-packing.ts';
import { CkksChunkCipher } from '../../sealed/layouts/blocks/chunk-cipher.ts';
import { serveWorkerRequests } from '../../workers/worker-pool.ts';
import { encryptBlockCiphertexts } from '../sealed-image.ts';
import type { ImageSealingKeys } from '../sealed-image.ts';
import { encryptLanePixels, sealLaneImage } from './sealed-lane-batch.ts';
import type { LaneSealedImage } from './sealed-lane-batch.ts';
import type { ImportJob } from '../import-worker.ts';

export interface LaneImportWorkerData {
  readonly keys: ImageSealingKeys;
  readonly ckksSecretKey: Uint8Array;
  readonly presetId: string;
}

export type LaneImportJob =
  | ({ readonly kind: 'image' } & ImportJob)
  | {
      readonly kind: 'lane-pixels';
      readonly batchUid: string;
      /** The batch's chunks, lane-major (784 bytes per lane). */
      readonly lanes: Uint8Array;
      readonly from: number;
      readonly to: number;
    }
  | { readonly kind: 'blocks'; readonly uid: string; readonly chunks: readonly Uint8Array[] };

export type LaneImportResult =
  | { readonly kind: 'image'; readonly sealed: LaneSealedImage }
  | {
      readonly kind: 'ciphertexts';
      readonly ciphertexts: Array<{ pixel: number; data: Uint8Array; mac: Uint8Array }>;
    }
  | {
      readonly kind: 'blocks';
      readonly ciphertexts: Array<{ ordinal: number; data: Uint8Array; mac: Uint8Array }>;
    };

if (!parentPort) throw new Error('lane-import-worker must run as a worker thread');
const port = parentPort;
const init = workerData as LaneImportWorkerData;
const seal = await loadSeal();
const ckks = createCkksContext(seal, ckksPresetById(init.presetId));
// Lanes do not use the packing (encryptVector); blocks (the small-tail fallback) do.
const cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, init.ckksSecretKey);
init.ckksSecretKey.fill(0);

serveWorkerRequests<LaneImportJob, LaneImportResult>(port, async (job) => {
  switch (job.kind) {
    case 'image': {
      const processed = await processImage(job.bytes, job.name, {
        threshold: job.threshold,
        minFeatureChunks: job.minFeatureChunks,
        maxPixels: job.maxPixels,
      });
      return {
        response: {
          kind: 'image',
          sealed: sealLaneImage(job.uid, processed, job.bytes, job, init.keys),
        },
      };
    }
    case 'lane-pixels': {
      const ciphertexts = encryptLanePixels(
        cipher,
        ckks.slotCount,
        job.lanes,
        job,
        job.batchUid,
        init.keys,
      );
      return {
        response: { kind: 'ciphertexts', ciphertexts },
        transfer: ciphertexts.flatMap((c) => [c.data.buffer as ArrayBuffer]),
      };
    }
    case 'blocks': {
      const ciphertexts = encryptBlockCiphertexts(cipher, job.uid, job.chunks, init.keys);
      return { response: { kind: 'blocks', ciphertexts } };
    }
  }
});
