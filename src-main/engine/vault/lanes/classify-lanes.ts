// Classify for the lanes layout: images are grouped by lane batch and each batch is
// evaluated once (one batch per worker at a time; the evaluator gets the relinearisation
// key only — no rotation is needed, no Galois key and never the secret key). The key
// holder authenticates a batch (lane map + 784 MACs) before handing it over, decrypts
// the per-lane class scores and sums each image's lanes (adding fc2's bias per chunk,
// dividing out scoreScale). A batch is evaluated whole even if only some of its images
// need a result: its cost does not depend on how many lanes are used.
import type { Seal } from '../../sealed/ckks/seal-runtime.ts';
import type { CkksContext } from '../../sealed/ckks/ckks-presets.ts';
import type { LaneEvaluatorSetup } from '../../sealed/inference/lane-evaluator.ts';
import type { EvaluationBackend, SetupIds } from '../../sealed/inference/evaluation-backend.ts';
import { sumLaneScores } from '../../sealed/layouts/lanes/lane-packing.ts';
import { decryptLaneParts } from '../../sealed/inference/result-decryption.ts';
import type { LoadedModel } from '../../sealed/model/model-file.ts';
import type { ImageRow } from '../catalogue/index.ts';
import { laneLocation, readVerifiedLaneBatch } from './lane-read.ts';
import { decryptMeta } from '../read-image.ts';
import { LANE_PACKING_ID } from '../../sealed/layouts/layout.ts';
import type { CkksKeyset, UnlockedVault } from '../vault.ts';

export interface LaneClassifyContext {
  readonly seal: Seal;
  readonly ckks: CkksContext;
  readonly model: LoadedModel;
  readonly scoreScale: number;
  /** The key holder's CKKS secret key (decryption stays in this thread). */
  readonly secretKey: Uint8Array;
  /** Where lane batches are evaluated (this computer, or a farm). */
  readonly evaluation: EvaluationBackend;
  readonly ids: SetupIds;
  readonly signal?: AbortSignal;
  readonly onImage: (
    row: ImageRow,
    scores: Float64Array,
    chunksUsed: number,
    seconds: number,
    workerSeconds: number,
  ) => void;
  readonly onFailed: (row: ImageRow, reason: string) => void;
}

export async function classifyLaneImages(
  vault: UnlockedVault,
  rows: readonly ImageRow[],
  ctx: LaneClassifyContext,
): Promise<void> {
  const byBatch = new Map<number, ImageRow[]>();
  const currentId = rows.length > 0 ? vault.currentKeyset().id : 0;
  for (const row of rows) {
    try {
      const { layout } = decryptMeta(vault, row);
      if (layout.keysetId !== currentId)
        throw new Error(`image ${row.uid} was encrypted under key set ${layout.keysetId}`);
      const { batchId } = laneLocation(vault, row, layout);
      byBatch.set(batchId, [...(byBatch.get(batchId) ?? []), row]);
    } catch (error) {
      ctx.onFailed(row, reasonOf(error));
    }
  }
  if (byBatch.size === 0) return;
  const keyset = vault.currentKeyset();
  const evaluator = await ctx.evaluation.lanes(
    laneEvaluatorSetup(keyset, ctx.model, ctx.scoreScale),
    ctx.ids,
  );
  const { concurrent: workers, parts } = evaluator.schedule(byBatch.size);
  const queue = [...byBatch.entries()];
  const bias = ctx.model.weights.fc2Bias;
  try {
    // A few batches at a time: a batch is ~180 MB of ciphertexts, read only when the
    // backend has room for it, and released once evaluated.
    const loops = Array.from({ length: workers }, async () => {
      while (queue.length > 0 && !ctx.signal?.aborted) {
        const [batchId, batchRows] = queue.shift()!;
        try {
          const { laneMap, inputs, batch } = readVerifiedLaneBatch(vault, batchId);
          const locations = batchRows.map((row) =>
            laneLocation(vault, row, decryptMeta(vault, row).layout, laneMap),
          );
          const handedAt = performance.now();
          const result = await evaluator.evaluateBatch(inputs, { parts, signal: ctx.signal });
          const slots = decryptLaneParts(ctx.seal, ctx.ckks, ctx.secretKey, result.parts);
          const seconds = (performance.now() - handedAt) / 1000;
          batchRows.forEach((row, i) => {
            const { firstLane, count } = locations[i]!;
            ctx.onImage(
              row,
              sumLaneScores(slots, firstLane, count, bias, ctx.scoreScale),
              count,
              seconds,
              (result.seconds * count) / batch.lanesUsed,
            );
          });
        } catch (error) {
          // Cancelled: the images are neither classified nor failed (a rerun does them).
          if (ctx.signal?.aborted) return;
          for (const row of batchRows) ctx.onFailed(row, reasonOf(error));
        }
      }
    });
    await Promise.all(loops);
  } finally {
    await evaluator.close();
  }
}

/** What a lane worker is given: the relinearisation key and the model, nothing secret. */
export function laneEvaluatorSetup(
  keyset: CkksKeyset,
  model: LoadedModel,
  scoreScale: number,
): LaneEvaluatorSetup {
  return {
    presetId: keyset.evaluation.presetId,
    packingId: LANE_PACKING_ID,
    weights: model.weights,
    scoreScale,
    keys: { relinKeys: keyset.evaluation.relinKeys, galoisKeys: null },
  };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
