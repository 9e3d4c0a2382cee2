// Folder import: walk → read + keyed content MAC + dedupe (main thread, cheap) →
// decode, preprocess and compound-encrypt (worker threads, CPU-heavy) → one
// catalogue transaction per image (main thread, the only writer). Cancelling stops
// dispatching, lets in-flight images finish, and leaves a consistent vault; the
// next import skips what is already there (dedupe by content MAC) and so resumes.
// The folder is untrusted: the walk stays inside it (symbolic links out are listed,
// not followed), each file is read through one handle with a size cap, and a byte
// budget caps the file content in flight so a folder of huge files cannot exhaust memory.
import { availableParallelism } from 'node:os';
import { contentMac } from '../crypto/index.ts';
import { checkMinFeatureChunks, hasImageExtension } from '../image/index.ts';
import {
  DEFAULT_FEATURE_THRESHOLD,
  DEFAULT_MIN_FEATURE_CHUNKS,
} from '../../../src-shared/domain/geometry.ts';
import { ByteBudget } from '../fs/byte-budget.ts';
import type { BudgetLease, HeldBytes } from '../fs/byte-budget.ts';
import { readBounded } from '../fs/read-bounded.ts';
import { walkFiles } from '../fs/walk-files.ts';
import type { WalkedFile } from '../fs/walk-files.ts';
import { transferableBuffers, WorkerPool } from '../workers/worker-pool.ts';
import type { ImportJob, ImportWorkerData } from './import-worker.ts';
import { finishBlockImage } from './sealed-image.ts';
import type { SealedImage } from './sealed-image.ts';
import { newImageUid } from './vault.ts';
import { countNewImages, importAsLanes } from './lanes/import-lanes.ts';
import type { Candidate, LaneImportTally } from './lanes/import-lanes.ts';
import { importLayout } from '../sealed/layouts/layout.ts';
import type { Layout, LayoutChoice } from '../sealed/layouts/layout.ts';
import type { UnlockedVault } from './vault.ts';

export const DEFAULT_MAX_PIXELS = 50_000_000;
/** Larger files are refused before they are read: no supported image here needs more. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
/**
 * File bytes read but not yet stored (or failed), over all images in flight. Decoded
 * pixels are bounded apart from this, by maxPixels per image and the worker count.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;

export interface ImportOptions {
  readonly labelsFromFolders?: boolean;
  readonly threshold?: number;
  /** Minimum feature chunks per image (DEFAULT_MIN_FEATURE_CHUNKS); see selectFeatureChunks. */
  readonly minFeatureChunks?: number;
  readonly workers?: number;
  readonly maxPixels?: number;
  /**
   * CKKS storage layout: `auto` (default) stores lane batches when the import holds at
   * least LANES_MIN_IMAGES new images, blocks otherwise (see import-lanes.ts).
   */
  readonly layout?: LayoutChoice;
  /**
   * Follow symbolic links that lead outside the folder (default false: each such link
   * is left out and listed in `failed`, so a shared folder cannot pull in other files).
   */
  readonly followSymlinks?: boolean;
  /**
   * At most this many bytes of file content in flight at once (default
   * DEFAULT_MEMORY_BUDGET_BYTES). A file larger than the whole budget is still imported,
   * alone, once nothing else is in flight.
   */
  readonly memoryBudgetBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  readonly done: number;
  readonly total: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly etaMs: number | null;
}

export interface ImportFailure {
  readonly file: string;
  readonly reason: string;
}

export interface ImportReport {
  readonly folder: string;
  readonly candidates: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly failed: ImportFailure[];
  readonly skippedNonImages: number;
  readonly lowGradient: number;
  readonly cancelled: boolean;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly importedIds: string[];
}

/** What the byte budget allowed (beside the report, whose shape the IPC contract fixes). */
export interface ImportMemory {
  readonly budgetBytes: number;
  /** The most file bytes in flight at once: ≤ budgetBytes unless one larger file went alone. */
  readonly peakInFlightBytes: number;
}

/** How an import stored its images (beside the report, whose shape the IPC contract fixes). */
export interface ImportStorage {
  readonly layout: Layout;
  readonly laneBatches: number;
  /** Images stored as blocks (all of them for a blocks import; a small last batch for lanes). */
  readonly blockImages: number;
}

export async function importFolder(
  vault: UnlockedVault,
  folder: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  return (await importFolderWithLayout(vault, folder, options)).report;
}

export async function importFolderWithLayout(
  vault: UnlockedVault,
  folder: string,
  options: ImportOptions = {},
): Promise<{ report: ImportReport; storage: ImportStorage; memory: ImportMemory }> {
  const threshold = options.threshold ?? DEFAULT_FEATURE_THRESHOLD;
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new RangeError(`threshold must be a number ≥ 0, got ${threshold}`);
  }
  const minFeatureChunks = options.minFeatureChunks ?? DEFAULT_MIN_FEATURE_CHUNKS;
  checkMinFeatureChunks(minFeatureChunks);
  const budget = new ByteBudget(options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES);
  const readFileCandidate = candidateReader(budget);
  const memory = (): ImportMemory => ({
    budgetBytes: budget.limit,
    peakInFlightBytes: budget.peak,
  });
  const started = performance.now();
  const candidates: WalkedFile[] = [];
  const failed: ImportFailure[] = []; // starts with what the walk left out, and why
  let skippedNonImages = 0;
  const walk = walkFiles(folder, {
    followSymlinks: options.followSymlinks === true,
    onSkip: ({ relativePath, reason }) => failed.push({ file: relativePath, reason }),
  });
  for await (const file of walk) {
    if (hasImageExtension(file.relativePath)) candidates.push(file);
    else skippedNonImages++;
  }

  const layout = await importLayout(options.layout, (limit) =>
    countNewImages(vault, candidates, readFileCandidate, limit),
  );
  if (layout === 'lanes') {
    const lanes = await importLanesReport(
      vault,
      folder,
      candidates,
      { skippedNonImages, skipped: failed, read: readFileCandidate },
      started,
      { threshold, minFeatureChunks },
      options,
    );
    return { ...lanes, memory: memory() };
  }

  const keyset = vault.currentKeyset();
  const secretKey = vault.unwrapCkksSecretKey(keyset.id);
  const workerData: ImportWorkerData = {
    keys: vault.sealingKeys,
    ckksSecretKey: secretKey,
    presetId: keyset.evaluation.presetId,
    packingId: 'chunk-blocks-1024-v1',
  };
  const workerCount = Math.max(
    1,
    Math.min(options.workers ?? availableParallelism(), candidates.length || 1),
  );
  const pool =
    candidates.length > 0
      ? new WorkerPool<ImportJob, SealedImage>(
          new URL('./import-worker.ts', import.meta.url),
          workerCount,
          workerData,
        )
      : null;
  secretKey.fill(0); // each worker received its own copy

  const importedIds: string[] = [];
  const inFlightMacs = new Set<string>();
  let duplicates = 0;
  let lowGradient = 0;
  let done = 0;
  const report = () => {
    const elapsedMs = performance.now() - started;
    options.onProgress?.({
      done,
      total: candidates.length,
      imported: importedIds.length,
      duplicates,
      failed: failed.length,
      elapsedMs,
      etaMs: done > 0 ? (elapsedMs / done) * (candidates.length - done) : null,
    });
  };

  const importOne = async (file: WalkedFile) => {
    const held = await readFileCandidate(file);
    try {
      await sealAndStore(file, held.bytes);
    } finally {
      held.release(); // stored or failed: the worker's copy and the sealed parts are gone
    }
  };
  // The bytes are moved to the worker, not copied: nothing here reads them after the MAC.
  const runMoving = (job: ImportJob) => pool!.run(job, transferableBuffers(job.bytes));
  const sealAndStore = async (file: WalkedFile, bytes: Uint8Array) => {
    const mac = contentMac(vault.dedupeKey, bytes);
    const macKey = Buffer.from(mac).toString('hex');
    if (inFlightMacs.has(macKey) || vault.catalogue.read.images.hasContentMac(mac)) {
      duplicates++;
      return;
    }
    inFlightMacs.add(macKey);
    try {
      const sealed = await runMoving({
        uid: newImageUid(),
        bytes,
        name: file.relativePath,
        label: options.labelsFromFolders ? labelFromPath(file.relativePath) : null,
        threshold,
        minFeatureChunks,
        maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
      });
      const image = finishBlockImage(vault.sealingKeys, sealed, mac, keyset.id);
      vault.catalogue.write((tx) => tx.images.insert(image));
      importedIds.push(sealed.uid);
      if (sealed.info.lowGradient) lowGradient++;
    } finally {
      inFlightMacs.delete(macKey);
    }
  };

  // Two jobs per worker keep every core busy while the main thread reads and writes.
  let next = 0;
  const lanes = Array.from({ length: workerCount * 2 }, async () => {
    while (next < candidates.length && !options.signal?.aborted) {
      const file = candidates[next++]!;
      try {
        await importOne(file);
      } catch (error) {
        failed.push({ file: file.relativePath, reason: reasonOf(error, file.relativePath) });
      }
      done++;
      report();
    }
  });
  try {
    await Promise.all(lanes);
  } finally {
    await pool?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const result: ImportReport = {
    folder,
    candidates: candidates.length,
    imported: importedIds.length,
    duplicates,
    failed,
    skippedNonImages,
    lowGradient,
    cancelled: options.signal?.aborted === true && done < candidates.length,
    seconds,
    imagesPerSecond: importedIds.length / Math.max(seconds, 1e-9),
    importedIds,
  };
  return {
    report: result,
    storage: { layout: 'blocks', laneBatches: 0, blockImages: importedIds.length },
    memory: memory(),
  };
}

async function importLanesReport(
  vault: UnlockedVault,
  folder: string,
  candidates: WalkedFile[],
  walked: { skippedNonImages: number; skipped: ImportFailure[]; read: ReadCandidate },
  started: number,
  rule: { threshold: number; minFeatureChunks: number },
  options: ImportOptions,
): Promise<{ report: ImportReport; storage: ImportStorage }> {
  const tally: LaneImportTally = {
    importedIds: [],
    failed: walked.skipped,
    duplicates: 0,
    lowGradient: 0,
    laneBatches: 0,
    blockImages: 0,
    dropped: 0,
  };
  let done = 0;
  await importAsLanes(
    vault,
    {
      candidates,
      ...rule,
      maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
      labelsFromFolders: options.labelsFromFolders === true,
      forced: options.layout === 'lanes',
      workers: options.workers,
      signal: options.signal,
      readCandidate: walked.read,
      labelOf: labelFromPath,
      reasonOf,
      onFileDone: () => {
        done++;
        const elapsedMs = performance.now() - started;
        options.onProgress?.({
          done,
          total: candidates.length,
          imported: tally.importedIds.length,
          duplicates: tally.duplicates,
          failed: tally.failed.length,
          elapsedMs,
          etaMs: (elapsedMs / done) * (candidates.length - done),
        });
      },
    },
    tally,
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    report: {
      folder,
      candidates: candidates.length,
      imported: tally.importedIds.length,
      duplicates: tally.duplicates,
      failed: tally.failed,
      skippedNonImages: walked.skippedNonImages,
      lowGradient: tally.lowGradient,
      cancelled:
        options.signal?.aborted === true && (done < candidates.length || tally.dropped > 0),
      seconds,
      imagesPerSecond: tally.importedIds.length / Math.max(seconds, 1e-9),
      importedIds: tally.importedIds,
    },
    storage: { layout: 'lanes', laneBatches: tally.laneBatches, blockImages: tally.blockImages },
  };
}

type ReadCandidate = (file: Candidate & Partial<WalkedFile>) => Promise<HeldBytes>;

/**
 * Reads each candidate through one handle (see read-bounded.ts), by the real path the
 * walk checked and only if it is still the file the walk saw, and holds its size
 * against the import's byte budget from before the read until the caller releases it.
 */
function candidateReader(budget: ByteBudget): ReadCandidate {
  return async (file) => {
    const held: { lease?: BudgetLease } = {};
    try {
      const bytes = await readBounded(file.realPath ?? file.absolutePath, file.relativePath, {
        maxBytes: MAX_FILE_BYTES,
        expected: file.identity,
        beforeRead: async (size) => {
          held.lease = await budget.acquire(size);
        },
      });
      return { bytes, release: () => held.lease?.release() };
    } catch (error) {
      held.lease?.release();
      throw error;
    }
  };
}

/** The sub-folder directly under the import root names the class. */
export function labelFromPath(relativePath: string): string | null {
  const segments = relativePath.split('/');
  return segments.length >= 2 ? segments[0]! : null;
}

/** One line naming the file and the cause (decoder errors already start with the file). */
function reasonOf(error: unknown, relativePath: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = `${relativePath}: `;
  return (message.startsWith(prefix) ? message.slice(prefix.length) : message).split('\n')[0]!;
}
