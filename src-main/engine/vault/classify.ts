// `classify`: encrypted inference over a vault. The key holder (this process)
// reads each unclassified image's CKKS ciphertexts, checks their MACs, and hands
// them with the evaluation keys — never the secret key — to an evaluation backend (this
// computer's evaluation threads, or an evaluation farm: sealed/inference/evaluation-backend.ts); it then
// decrypts each image's encrypted scores and stores the result, AES-GCM-encrypted, one
// transaction per image. Images stored in lane batches are classified batch-wise first
// (classify-lanes.ts), then block-layout images, in groups the backend asks for. A model
// with a search head (embedding-head.ts) gives each image's sealed embedding in the same
// pass; it is stored, normalised, inside the image's sealed classification.
import { sealAead, openAead } from '../crypto/index.ts';
import { loadSeal } from '../sealed/ckks/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../sealed/ckks/ckks-presets.ts';
import {
  planPackedEnsemble,
  packedCnnRotationSteps,
} from '../sealed/layouts/blocks/packed-cnn-plan.ts';
import type {
  EncryptedImage,
  EncryptedImageResult,
  EvaluatorSetup,
} from '../sealed/inference/encrypted-evaluator.ts';
import { localEvaluation } from '../sealed/inference/evaluation-backend.ts';
import type { EvaluationBackend } from '../sealed/inference/evaluation-backend.ts';
import { DEFAULT_CHUNK_PACKING } from '../sealed/layouts/blocks/chunk-packing.ts';
import { decryptScores, roundDecrypted } from '../sealed/inference/result-decryption.ts';
import { assertHeEvaluable, assertHeSafe, scoreScaleFor } from '../sealed/ckks/he-safety.ts';
import { argmax } from '../sealed/model/chunk-cnn.ts';
import { splitOutputs, withEmbeddingHead } from '../sealed/model/embedding-head.ts';
import type { LoadedModel } from '../sealed/model/model-file.ts';
import type { ImageRow } from './catalogue/index.ts';
import { decryptMeta, readVerifiedCiphertexts } from './read-image.ts';
import { imagePartAad } from './item-aad.ts';
import { storedLayout } from '../sealed/layouts/layout.ts';
import { classifyLaneImages } from './lanes/classify-lanes.ts';
import type { CkksKeyset, UnlockedVault } from './vault.ts';

export interface ClassifyOptions {
  readonly model: LoadedModel;
  readonly workers?: number;
  /** Where the evaluation runs; default this computer's threads (`workers` of them). */
  readonly evaluation?: EvaluationBackend;
  /** Re-classify images this model has already classified. */
  readonly all?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ClassifyProgress) => void;
}

export interface ClassifyProgress {
  readonly done: number;
  readonly total: number;
  readonly etaMs: number | null;
  /** Evaluator nodes announced now, when a farm evaluates. */
  readonly nodes?: number;
}

export interface StoredClassification {
  readonly modelId: string;
  readonly classIndex: number;
  readonly predicted: string;
  /** Image-level scores: the sum of the feature chunks' scores, per class. */
  readonly scores: number[];
  /** The image's sealed search embedding (unit length) and the head that made it. */
  readonly embedding?: number[];
  readonly embeddingHeadId?: string;
  readonly chunksUsed: number;
  /** Wall-clock seconds from handing the ciphertexts over to the decrypted class. */
  readonly seconds: number;
  readonly workerSeconds: number;
}

export interface ClassifyReport {
  readonly modelId: string;
  readonly classified: Array<
    StoredClassification & { id: string; name: string; label: string | null }
  >;
  readonly skipped: number;
  readonly failed: Array<{ id: string; name: string; reason: string }>;
  readonly cancelled: boolean;
  readonly seconds: number;
  /** Where the evaluation ran: 'this computer (…)' or the farm's broker (no password). */
  readonly evaluatedOn: string;
}

export async function classifyVault(
  vault: UnlockedVault,
  options: ClassifyOptions,
): Promise<ClassifyReport> {
  const started = performance.now();
  const { model } = options;
  const keyset = vault.currentKeyset();
  const preset = ckksPresetById(keyset.evaluation.presetId);
  assertHeEvaluable(model.weights.architecture, `model ${model.id}`);
  assertHeSafe(model.file.activationRanges, preset, `model ${model.id}`);
  const seal = await loadSeal();
  using ckks = createCkksContext(seal, preset);
  const scoreScale = scoreScaleFor(model.file.activationRanges, preset);
  // With a search head the engine evaluates one wider net: the class scores, then the
  // embedding (embedding-head.ts). The model file's ranges cover both.
  const head = model.embeddingHead;
  const evaluated: LoadedModel = head
    ? { ...model, weights: withEmbeddingHead(model.weights, head) }
    : model;
  const plans = planPackedEnsemble(evaluated.weights, ckks.slotCount, { scoreScale });

  // Done: classified by this model — and, when it has a head, with this head's embedding.
  const done = new Set<string | number>(
    head
      ? [...readClassifications(vault, model.id)]
          .filter(([, stored]) => stored.embeddingHeadId === head.id)
          .map(([uid]) => uid)
      : vault.catalogue.read.classifications.imageIds(model.id),
  );

  const rows = vault.catalogue.read.images.list();
  const allTodo = rows.filter((row) => options.all || !done.has(head ? row.uid : row.id));
  // An unknown packing id goes with the blocks, whose setup names it in its error.
  const laneTodo: typeof allTodo = [];
  const todo: typeof allTodo = [];
  for (const row of allTodo) (storedLayout(row.packingId) === 'lanes' ? laneTodo : todo).push(row);
  const total = allTodo.length;
  // Galois keys (75 MB, generated once) and block workers only when blocks need them.
  const needBlocks = todo.length > 0 || laneTodo.length === 0;
  const evalKeyset = needBlocks
    ? await vault.ensureGaloisKeys(packedCnnRotationSteps(plans))
    : vault.currentKeyset();
  const packingIds = new Set(todo.map((row) => row.packingId));
  if (packingIds.size > 1)
    throw new Error('images with different chunk packings cannot be classified together yet');
  const backend = options.evaluation ?? localEvaluation({ workers: options.workers });
  const ids = { keysetId: keyset.id, modelId: model.id };
  const evaluator = needBlocks
    ? await backend.blocks(
        evaluatorSetup(
          evalKeyset,
          evaluated,
          [...packingIds][0] ?? DEFAULT_CHUNK_PACKING.id,
          scoreScale,
        ),
        ids,
      )
    : null;

  const classified: ClassifyReport['classified'] = [];
  const failed: ClassifyReport['failed'] = [];
  const secretKey = vault.unwrapCkksSecretKey(keyset.id);
  let finished = 0;
  const progressed = () => {
    finished++;
    const elapsed = performance.now() - started;
    options.onProgress?.({
      done: finished,
      total,
      etaMs: (elapsed / finished) * (total - finished),
      ...(backend.nodes ? { nodes: backend.nodes() } : {}),
    });
  };
  const finish = (
    row: ImageRow,
    chunksUsed: number,
    result: EncryptedImageResult,
    handedAt: number,
  ) => {
    const scores = decryptScores(seal, ckks, plans[0]!, secretKey, result.result);
    store(row, scores, chunksUsed, (performance.now() - handedAt) / 1000, result.workerSeconds);
  };
  const store = (
    row: ImageRow,
    outputs: Float64Array,
    chunksUsed: number,
    seconds: number,
    workerSeconds: number,
  ) => {
    // Stored, shown and exported scores are the rounded ones (result-decryption.ts says
    // why); a lane image's score is a sum over its lanes, so it is rounded again here.
    const split = splitOutputs(
      roundDecrypted(Float64Array.from(outputs)),
      model.file.classes.length,
    );
    const scores = split.scores;
    const classIndex = argmax(scores);
    const stored: StoredClassification = {
      modelId: model.id,
      classIndex,
      predicted: model.file.classes[classIndex]!,
      scores: [...scores],
      ...(head ? { embedding: unitVector(split.embedding), embeddingHeadId: head.id } : {}),
      chunksUsed,
      seconds,
      workerSeconds,
    };
    const blob = sealAead(
      vault.sealingKeys.blobKey,
      Buffer.from(JSON.stringify(stored)),
      imagePartAad(vault.vaultId, row.uid, `classification:${model.id}`),
    );
    vault.catalogue.write((tx) => tx.classifications.put(row.id, model.id, blob));
    const meta = decryptMeta(vault, row);
    classified.push({ id: row.uid, name: meta.name, label: meta.label, ...stored });
  };

  try {
    await classifyLaneImages(vault, laneTodo, {
      seal,
      ckks,
      model: evaluated,
      scoreScale,
      secretKey,
      evaluation: backend,
      ids,
      signal: options.signal,
      onImage: (row, scores, chunksUsed, seconds, workerSeconds) => {
        try {
          store(row, scores, chunksUsed, seconds, workerSeconds);
        } catch (error) {
          failed.push({ id: row.uid, name: safeName(vault, row), reason: String(error) });
        }
        progressed();
      },
      onFailed: (row, reason) => {
        failed.push({ id: row.uid, name: safeName(vault, row), reason });
        progressed();
      },
    });
    // Groups are cut from the images left to do, in catalogue order: a classify run again
    // after an interruption cuts the same groups for what is left (a farm finds its jobs).
    const groupSize = evaluator?.groupSize ?? 1;
    const groups: ImageRow[][] = [];
    for (let i = 0; i < todo.length; i += groupSize) groups.push(todo.slice(i, i + groupSize));
    let next = 0;
    const fail = (row: ImageRow, error: unknown) => {
      failed.push({
        id: row.uid,
        name: safeName(vault, row),
        reason: error instanceof Error ? error.message : String(error),
      });
      progressed();
    };
    const loops = Array.from({ length: Math.max(1, evaluator?.inFlight ?? 1) }, async () => {
      while (next < groups.length && !options.signal?.aborted) {
        const ready: Array<{ row: ImageRow; image: EncryptedImage }> = [];
        for (const row of groups[next++]!) {
          try {
            // Exactly the sealed ciphertexts, MAC-checked, placed as the sealed layout says.
            const { layout } = decryptMeta(vault, row);
            if (layout.keysetId !== keyset.id)
              throw new Error(`image ${row.uid} was encrypted under key set ${layout.keysetId}`);
            const { ciphertexts, occupiedBlocks } = readVerifiedCiphertexts(vault, row, layout);
            const featureChunks = layout.blocks!.features.length;
            ready.push({ row, image: { id: row.uid, ciphertexts, featureChunks, occupiedBlocks } });
          } catch (error) {
            fail(row, error);
          }
        }
        if (ready.length === 0) continue;
        const handedAt = performance.now();
        let results: EncryptedImageResult[];
        try {
          results = await evaluator!.evaluate(
            ready.map((r) => r.image),
            options.signal,
          );
        } catch (error) {
          // Cancelled: the images are neither classified nor failed (a rerun does them).
          if (options.signal?.aborted) return;
          for (const { row } of ready) fail(row, error);
          continue;
        }
        ready.forEach(({ row, image }, i) => {
          try {
            finish(row, image.featureChunks, results[i]!, handedAt);
            progressed();
          } catch (error) {
            fail(row, error);
          }
        });
      }
    });
    await Promise.all(loops);
  } finally {
    secretKey.fill(0);
    await evaluator?.close();
  }
  return {
    modelId: model.id,
    classified,
    skipped: rows.length - total,
    failed,
    cancelled: options.signal?.aborted === true && finished < total,
    seconds: (performance.now() - started) / 1000,
    evaluatedOn: backend.where,
  };
}

/** What the evaluator is given: public evaluation keys and the model, nothing secret. */
export function evaluatorSetup(
  keyset: CkksKeyset,
  model: LoadedModel,
  packingId: string,
  scoreScale = 1,
): EvaluatorSetup {
  const { relinKeys, galoisKeys, presetId } = keyset.evaluation;
  if (!galoisKeys) throw new Error('the key set has no Galois keys yet');
  return {
    presetId,
    packingId,
    weights: model.weights,
    scoreScale,
    keys: { relinKeys, galoisKeys },
  };
}

function unitVector(values: Float64Array): number[] {
  const norm = Math.hypot(...values);
  return Array.from(values, (v) => (norm > 0 ? v / norm : 0));
}

function safeName(vault: UnlockedVault, row: ImageRow): string {
  try {
    return decryptMeta(vault, row).name;
  } catch {
    return row.uid;
  }
}

/** Stored results of one model, decrypted (key holder). */
export function readClassifications(
  vault: UnlockedVault,
  modelId: string,
): Map<string, StoredClassification> {
  const rows = vault.catalogue.read.classifications.byModel(modelId);
  return new Map(
    rows.map(({ uid, result }) => [uid, openClassification(vault, uid, modelId, result)]),
  );
}

/** The most recent classification of every classified image, any model (key holder). */
export function latestClassifications(vault: UnlockedVault): Map<string, StoredClassification> {
  const rows = vault.catalogue.read.classifications.allByTime();
  const latest = new Map<string, StoredClassification>();
  for (const { uid, modelId, result } of rows) {
    latest.set(uid, openClassification(vault, uid, modelId, result));
  }
  return latest;
}

function openClassification(
  vault: UnlockedVault,
  uid: string,
  modelId: string,
  blob: Buffer,
): StoredClassification {
  const aad = imagePartAad(vault.vaultId, uid, `classification:${modelId}`);
  const text = openAead(vault.sealingKeys.blobKey, blob, aad, `classification of image ${uid}`);
  return JSON.parse(Buffer.from(text).toString('utf8')) as StoredClassification;
}
