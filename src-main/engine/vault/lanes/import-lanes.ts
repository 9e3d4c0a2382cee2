// The lanes (throughput) storage layout on import. Opt-in by size: an import of at
// least LANES_MIN_IMAGES new images (or `layout: 'lanes'`) stores lane batches; smaller
// imports keep blocks, and both layouts coexist in a vault.
// Flow: workers decode, preprocess and seal each image's AES parts, returning its
// feature chunks' pixels (memory only); the importer appends whole images to the batch
// being filled; when the next image does not fit, the batch is cut and its 784 pixel
// vectors are encrypted by the workers in ranges, then the batch and all its images
// are written in ONE transaction. Batches are flushed one at a time (a full batch is
// ~180 MB of ciphertexts), the next one filling meanwhile. At the end, a last batch of
// fewer than LANES_MIN_IMAGES images is stored as blocks unless lanes were forced: a
// lane batch costs the same to classify whether it holds 1 chunk or 4096.
// Cancelling stops dispatching, lets the batch being encrypted commit, and drops the
// batch being filled (nothing of it is stored): a re-run imports those images again.
import { availableParallelism } from 'node:os';
import { CHUNK_PIXELS } from '../../../../src-shared/domain/geometry.ts';
import { contentMac } from '../../crypto/index.ts';
import { ckksPresetById } from '../../sealed/ckks/ckks-presets.ts';
import { BLOCK_PACKING_1024 } from '../../sealed/layouts/blocks/chunk-packing.ts';
import type { HeldBytes } from '../../fs/byte-budget.ts';
import { transferableBuffers, WorkerPool } from '../../workers/worker-pool.ts';
import type {
  LaneImportJob,
  LaneImportResult,
  LaneImportWorkerData,
} from './lane-import-worker.ts';
import type { LaneMapEntry, LaneSealedImage } from './sealed-lane-batch.ts';
import { sealLaneMap } from './sealed-lane-batch.ts';
import { finishBlockImage, metaOf, sealImageMeta } from '../sealed-image.ts';
import { laneLayout } from '../image-layout.ts';
import { LANE_PACKING_ID, LANES_MIN_IMAGES } from '../../sealed/layouts/layout.ts';
import { newImageUid } from '../vault.ts';
import type { UnlockedVault } from '../vault.ts';

export interface Candidate {
  readonly absolutePath: string;
  readonly relativePath: string;
}

export interface LaneImportContext {
  readonly candidates: readonly Candidate[];
  readonly threshold: number;
  readonly minFeatureChunks: number;
  readonly maxPixels: number;
  readonly labelsFromFolders: boolean;
  /** `--layout lanes`: store even a small last batch as lanes. */
  readonly forced: boolean;
  readonly workers?: number;
  readonly signal?: AbortSignal;
  /** The file's bytes, held against the import's byte budget until released. */
  readonly readCandidate: (file: Candidate) => Promise<HeldBytes>;
  readonly labelOf: (relativePath: string) => string | null;
  readonly reasonOf: (error: unknown, relativePath: string) => string;
  readonly onFileDone: () => void;
}

export interface LaneImportTally {
  readonly importedIds: string[];
  readonly failed: Array<{ file: string; reason: string }>;
  duplicates: number;
  lowGradient: number;
  laneBatches: number;
  blockImages: number;
  /** Sealed but not stored: the batch being filled when the import was cancelled. */
  dropped: number;
}

/** New (not yet stored, not repeated) images among the candidates, counted up to `limit`. */
export async function countNewImages(
  vault: UnlockedVault,
  candidates: readonly Candidate[],
  readCandidate: (file: Candidate) => Promise<HeldBytes>,
  limit: number,
): Promise<number> {
  const seen = new Set<string>();
  for (const file of candidates) {
    if (seen.size >= limit) break;
    const held = await readCandidate(file).catch(() => null);
    if (!held) continue;
    const mac = contentMac(vault.dedupeKey, held.bytes);
    held.release();
    if (!vault.catalogue.read.images.hasContentMac(mac)) seen.add(Buffer.from(mac).toString('hex'));
  }
  return seen.size;
}

interface Pending {
  readonly sealed: LaneSealedImage;
  readonly mac: Uint8Array;
  readonly file: string;
}

export async function importAsLanes(
  vault: UnlockedVault,
  ctx: LaneImportContext,
  tally: LaneImportTally,
): Promise<void> {
  const keyset = vault.currentKeyset();
  const slotCount = ckksPresetById(keyset.evaluation.presetId).polyModulusDegree / 2;
  const secretKey = vault.unwrapCkksSecretKey(keyset.id);
  const workerCount = Math.max(
    1,
    Math.min(ctx.workers ?? availableParallelism(), ctx.candidates.length || 1),
  );
  const workerData: LaneImportWorkerData = {
    keys: vault.sealingKeys,
    ckksSecretKey: secretKey,
    presetId: keyset.evaluation.presetId,
  };
  const pool = new WorkerPool<LaneImportJob, LaneImportResult>(
    new URL('./lane-import-worker.ts', import.meta.url),
    workerCount,
    workerData,
  );
  secretKey.fill(0); // each worker received its own copy

  const seenMacs = new Set<string>(); // in flight or waiting in a batch
  let filling: Pending[] = [];
  let fillingLanes = 0;
  let flushChain: Promise<void> = Promise.resolve();

  const flushLanes = async (batch: Pending[]) => {
    try {
      const batchUid = newImageUid();
      const lanes = new Uint8Array(
        batch.reduce((n, p) => n + p.sealed.featureChunks.length, 0) * CHUNK_PIXELS,
      );
      const laneMap: LaneMapEntry[] = [];
      let lane = 0;
      for (const { sealed } of batch) {
        laneMap.push([sealed.uid, lane, sealed.featureChunks.length]);
        for (const chunk of sealed.featureChunks) lanes.set(chunk, lane++ * CHUNK_PIXELS);
      }
      // Ranges of ~98 pixel vectors: a few jobs per worker balance the cores.
      const parts = workerCount * 4;
      const step = Math.ceil(CHUNK_PIXELS / parts);
      const results = await Promise.all(
        Array.from({ length: Math.ceil(CHUNK_PIXELS / step) }, (_, i) =>
          pool.run({
            kind: 'lane-pixels',
            batchUid,
            lanes,
            from: i * step,
            to: Math.min(CHUNK_PIXELS, (i + 1) * step),
          }),
        ),
      );
      const ciphertexts = results.flatMap((r) => (r.kind === 'ciphertexts' ? r.ciphertexts : []));
      if (ciphertexts.length !== CHUNK_PIXELS)
        throw new Error(`lane batch encryption returned ${ciphertexts.length} ciphertexts`);
      const stored = {
        uid: batchUid,
        lanesUsed: lane,
        laneMap: sealLaneMap(vault.sealingKeys, batchUid, laneMap),
        ciphertexts,
      };
      const images = batch.map((p, i) => ({
        uid: p.sealed.uid,
        contentMac: p.mac,
        keysetId: keyset.id,
        packingId: LANE_PACKING_ID,
        meta: sealImageMeta(
          vault.sealingKeys,
          p.sealed.uid,
          metaOf(
            p.sealed.info,
            laneLayout(p.sealed.info, LANE_PACKING_ID, keyset.id, {
              batchUid,
              firstLane: laneMap[i]![1],
            }),
          ),
        ),
        original: p.sealed.original,
        rest: p.sealed.rest,
      }));
      vault.catalogue.write((tx) => tx.laneBatches.insert(stored, images, keyset.id));
      tally.laneBatches++;
      for (const { sealed } of batch) {
        tally.importedIds.push(sealed.uid);
        if (sealed.info.lowGradient) tally.lowGradient++;
      }
    } catch (error) {
      for (const p of batch)
        tally.failed.push({
          file: p.file,
          reason: `lane batch not stored: ${ctx.reasonOf(error, p.file)}`,
        });
    } finally {
      for (const p of batch) seenMacs.delete(Buffer.from(p.mac).toString('hex'));
    }
  };

  const storeAsBlocks = async (p: Pending) => {
    try {
      const result = await pool.run({
        kind: 'blocks',
        uid: p.sealed.uid,
        chunks: p.sealed.featureChunks,
      });
      if (result.kind !== 'blocks') throw new Error('unexpected worker reply');
      const image = finishBlockImage(
        vault.sealingKeys,
        {
          ...p.sealed,
          packingId: BLOCK_PACKING_1024.id,
          chunksPerCiphertext: BLOCK_PACKING_1024.chunksPerCiphertext,
          ciphertexts: result.ciphertexts,
        },
        p.mac,
        keyset.id,
      );
      vault.catalogue.write((tx) => tx.images.insert(image));
      tally.importedIds.push(p.sealed.uid);
      tally.blockImages++;
      if (p.sealed.info.lowGradient) tally.lowGradient++;
    } catch (error) {
      tally.failed.push({ file: p.file, reason: ctx.reasonOf(error, p.file) });
    } finally {
      seenMacs.delete(Buffer.from(p.mac).toString('hex'));
    }
  };

  // A file's bytes hold their share of the byte budget until its image is sealed into
  // the batch being filled (or failed). Not until the batch is stored: the batch holds
  // sealed parts, not the file, and is bounded on its own (one filling, one encrypting);
  // waiting for room a filling batch holds would deadlock.
  const importOne = async (file: Candidate) => {
    const held = await ctx.readCandidate(file);
    try {
      await sealIntoBatch(file, held.bytes);
    } finally {
      held.release();
    }
  };
  // Moved to the worker, not copied: only the MAC, computed before, reads them here.
  const runImage = (job: Extract<LaneImportJob, { kind: 'image' }>) =>
    pool.run(job, transferableBuffers(job.bytes));
  const sealIntoBatch = async (file: Candidate, bytes: Uint8Array) => {
    const mac = contentMac(vault.dedupeKey, bytes);
    const macKey = Buffer.from(mac).toString('hex');
    if (seenMacs.has(macKey) || vault.catalogue.read.images.hasContentMac(mac)) {
      tally.duplicates++;
      return;
    }
    seenMacs.add(macKey);
    let reply: LaneImportResult;
    try {
      reply = await runImage({
        kind: 'image',
        uid: newImageUid(),
        bytes,
        name: file.relativePath,
        label: ctx.labelsFromFolders ? ctx.labelOf(file.relativePath) : null,
        threshold: ctx.threshold,
        minFeatureChunks: ctx.minFeatureChunks,
        maxPixels: ctx.maxPixels,
      });
    } catch (error) {
      seenMacs.delete(macKey);
      throw error;
    }
    if (reply.kind !== 'image') throw new Error('unexpected worker reply');
    const count = reply.sealed.featureChunks.length;
    // Whole images only: cut the batch when this image does not fit (synchronous, so
    // concurrent loops never interleave here).
    if (fillingLanes + count > slotCount) {
      const batch = filling;
      filling = [];
      fillingLanes = 0;
      flushChain = flushChain.then(() => flushLanes(batch));
      filling.push({ sealed: reply.sealed, mac, file: file.relativePath });
      fillingLanes += count;
      await flushChain; // back-pressure: at most one batch being encrypted, one filling
    } else {
      filling.push({ sealed: reply.sealed, mac, file: file.relativePath });
      fillingLanes += count;
    }
  };

  let next = 0;
  const loops = Array.from({ length: workerCount * 2 }, async () => {
    while (next < ctx.candidates.length && !ctx.signal?.aborted) {
      const file = ctx.candidates[next++]!;
      try {
        await importOne(file);
      } catch (error) {
        tally.failed.push({
          file: file.relativePath,
          reason: ctx.reasonOf(error, file.relativePath),
        });
      }
      ctx.onFileDone();
    }
  });
  try {
    await Promise.all(loops);
    await flushChain;
    const last = filling;
    filling = [];
    if (ctx.signal?.aborted) tally.dropped += last.length;
    else if (last.length > 0) {
      if (ctx.forced || last.length >= LANES_MIN_IMAGES) await flushLanes(last);
      else await Promise.all(last.map(storeAsBlocks));
    }
  } finally {
    await pool.close();
  }
}
