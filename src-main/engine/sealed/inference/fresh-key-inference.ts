// Encrypted inference with fresh keys, for evaluation: the key holder (this thread)
// makes a new key set, CKKS-encrypts each image's feature chunks, hands the
// ciphertexts and the evaluation keys — never the secret key — to the evaluator's
// worker threads, and decrypts the results. Two layouts:
// - blocks (latency): the vault's stored layout, 4 chunks per ciphertext, one image
//   at a time on all cores; cost grows with the number of chunks.
// - lanes (throughput): one chunk per slot, 4096 chunks per 784-ciphertext batch;
//   a batch costs the same whether it holds 1 chunk or 4096, so it only pays off
//   for large sets. `auto` picks the layout the cost model predicts faster for these
//   images, this model and these workers (cost-model.ts).
import { availableParallelism } from 'node:os';
import { loadSeal } from '../ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../ckks/ckks-presets.ts';
import type { CkksContext } from '../ckks/ckks-presets.ts';
import { generateCkksKeys } from '../ckks/ckks-keys.ts';
import { CkksChunkCipher } from '../layouts/blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../layouts/blocks/chunk-packing.ts';
import { planPackedEnsemble, packedCnnRotationSteps } from '../layouts/blocks/packed-cnn-plan.ts';
import { EncryptedEvaluator, sumProfiles } from './encrypted-evaluator.ts';
import type { EvaluatorSetup } from './encrypted-evaluator.ts';
import { LaneEvaluator } from './lane-evaluator.ts';
import { laneSchedule } from '../layouts/lanes/lane-schedule.ts';
import { laneSumSteps } from '../layouts/lanes/lane-cnn-engine.ts';
import { packLanes, sumLaneScores } from '../layouts/lanes/lane-packing.ts';
import { decryptLaneParts, decryptScores } from './result-decryption.ts';
import { assertHeEvaluable, assertHeSafe, scoreScaleFor } from '../ckks/he-safety.ts';
import type { LoadedModel } from '../model/model-file.ts';
import { costModelInput, fasterLayout } from '../layouts/cost-model.ts';
import { REFERENCE_OP_COSTS } from '../layouts/op-costs.ts';
import { LANE_PACKING_ID } from '../layouts/layout.ts';
import type { Layout, LayoutChoice } from '../layouts/layout.ts';

export interface FreshKeyInferenceOptions {
  readonly layout?: LayoutChoice;
  readonly workers?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface FreshKeyInferenceResult {
  readonly layout: Layout;
  /** Decrypted image scores: the sum of the image's chunk scores, per class. */
  readonly imageScores: Float64Array[];
  /** Decrypted per-chunk scores (lanes only; blocks sum an image's chunks under encryption). */
  readonly chunkScores: Float64Array[][] | null;
  readonly seconds: { keys: number; encrypt: number; evaluate: number; decrypt: number };
  readonly profileMs: Record<string, number>;
}

/** The layout asked for, or with `auto` the one the cost model predicts faster. */
export function chooseLayout(
  images: ReadonlyArray<readonly Uint8Array[]>,
  model: LoadedModel,
  options: { layout?: LayoutChoice; workers?: number } = {},
): Layout {
  const layout = options.layout ?? 'auto';
  if (layout !== 'auto') return layout;
  const input = costModelInput(
    model,
    DEFAULT_CKKS_PRESET,
    REFERENCE_OP_COSTS,
    Math.max(1, options.workers ?? availableParallelism()),
  );
  return fasterLayout(
    input,
    images.map((chunks) => chunks.length),
  ).layout;
}

/** `images[i]` = image i's feature chunks (784 raw pixels each). */
export async function inferWithFreshKeys(
  images: ReadonlyArray<readonly Uint8Array[]>,
  model: LoadedModel,
  options: FreshKeyInferenceOptions = {},
): Promise<FreshKeyInferenceResult> {
  const preset = DEFAULT_CKKS_PRESET;
  assertHeEvaluable(model.weights.architecture, `model ${model.id}`);
  assertHeSafe(model.file.activationRanges, preset, `model ${model.id}`);
  const scoreScale = scoreScaleFor(model.file.activationRanges, preset);
  const layout = chooseLayout(images, model, options);
  const seal = await loadSeal();
  using ckks = createCkksContext(seal, preset);
  const run = layout === 'lanes' ? inferLanes : inferBlocks;
  // Awaited here: `using` disposes the context when this function returns.
  return await run(seal, ckks, images, model, scoreScale, options);
}

type Seal = Awaited<ReturnType<typeof loadSeal>>;

async function inferBlocks(
  seal: Seal,
  ckks: CkksContext,
  images: ReadonlyArray<readonly Uint8Array[]>,
  model: LoadedModel,
  scoreScale: number,
  options: FreshKeyInferenceOptions,
): Promise<FreshKeyInferenceResult> {
  const plans = planPackedEnsemble(model.weights, ckks.slotCount, { scoreScale });
  const { keys, setup, seconds } = freshKeys(seal, ckks, model, scoreScale, {
    packingId: BLOCK_PACKING_1024.id,
    galoisSteps: packedCnnRotationSteps(plans),
  });
  let t = performance.now();
  const workers = options.workers ?? availableParallelism();
  // Transient ciphertexts: no zstd (see CkksChunkCipher).
  using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey, {
    compress: false,
  });
  const evaluator = await EncryptedEvaluator.create(setup, { workers });
  const imageScores: Float64Array[] = new Array(images.length);
  const profiles: Array<Record<string, number>> = [];
  let next = 0;
  let done = 0;
  const wallStarted = performance.now();
  try {
    // Two images in flight per worker keep the cores busy; encryption and decryption
    // (key holder) interleave with evaluation on the workers.
    const loops = Array.from({ length: workers * 2 }, async () => {
      while (next < images.length && !options.signal?.aborted) {
        const i = next++;
        t = performance.now();
        const ciphertexts = cipher.encryptChunks(images[i]!);
        seconds.encrypt += lap();
        const result = await evaluator.evaluateImage({
          id: String(i),
          ciphertexts,
          featureChunks: images[i]!.length,
        });
        t = performance.now();
        imageScores[i] = decryptScores(seal, ckks, plans[0]!, keys.secretKey, result.result);
        seconds.decrypt += lap();
        profiles.push(result.profileMs);
        options.onProgress?.(++done, images.length);
      }
    });
    await Promise.all(loops);
    // Evaluation overlaps with encryption and decryption: count the rest of the wall time.
    seconds.evaluate = (performance.now() - wallStarted) / 1000 - seconds.encrypt - seconds.decrypt;
  } finally {
    keys.secretKey.fill(0);
    await evaluator.close();
  }
  throwIfAborted(options.signal);
  return {
    layout: 'blocks',
    imageScores,
    chunkScores: null,
    seconds,
    profileMs: sumProfiles(profiles),
  };

  function lap(): number {
    return (performance.now() - t) / 1000;
  }
}

async function inferLanes(
  seal: Seal,
  ckks: CkksContext,
  images: ReadonlyArray<readonly Uint8Array[]>,
  model: LoadedModel,
  scoreScale: number,
  options: FreshKeyInferenceOptions,
): Promise<FreshKeyInferenceResult> {
  const { keys, setup, seconds } = freshKeys(seal, ckks, model, scoreScale, {
    packingId: LANE_PACKING_ID,
    galoisSteps: laneSumSteps(),
  });
  let t = performance.now();
  const batches = laneBatches(images, ckks.slotCount);
  const poolSize = Math.max(1, options.workers ?? availableParallelism());
  const { concurrent: workers, parts } = laneSchedule(poolSize, batches.length);
  // Transient ciphertexts: no zstd (see CkksChunkCipher).
  using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey, {
    compress: false,
  });
  const evaluator = new LaneEvaluator(setup, { workers: poolSize });
  const imageScores: Float64Array[] = new Array(images.length);
  const chunkScores: Float64Array[][] = new Array(images.length);
  const profiles: Array<Record<string, number>> = [];
  const bias = model.weights.fc2Bias;
  let done = 0;
  try {
    // One round = one batch per worker: encrypt them (key holder), evaluate them in
    // parallel, decrypt. Holding only a round's ciphertexts bounds memory (~180 MB a batch).
    for (let round = 0; round < batches.length && !options.signal?.aborted; round += workers) {
      const group = batches.slice(round, round + workers);
      t = performance.now();
      const inputs = group.map((batch) =>
        packLanes(
          batch.flatMap((image) => images[image.index]!),
          ckks.slotCount,
        ).map((vector) => cipher.encryptVector(vector)),
      );
      seconds.encrypt += lap();
      t = performance.now();
      const results = await Promise.all(
        inputs.map((batch) =>
          evaluator.evaluateBatch({ inputs: batch }, { parts, transfer: true }),
        ),
      );
      seconds.evaluate += lap();
      t = performance.now();
      results.forEach((result, b) => {
        profiles.push(result.profileMs);
        const slots = decryptLaneParts(seal, ckks, keys.secretKey, result.parts);
        for (const image of group[b]!) {
          const count = images[image.index]!.length;
          imageScores[image.index] = sumLaneScores(slots, image.firstLane, count, bias, scoreScale);
          chunkScores[image.index] = Array.from({ length: count }, (_, k) =>
            sumLaneScores(slots, image.firstLane + k, 1, bias, scoreScale),
          );
          done++;
        }
      });
      seconds.decrypt += lap();
      options.onProgress?.(done, images.length);
    }
  } finally {
    keys.secretKey.fill(0);
    await evaluator.close();
  }
  throwIfAborted(options.signal);
  return { layout: 'lanes', imageScores, chunkScores, seconds, profileMs: sumProfiles(profiles) };

  function lap(): number {
    return (performance.now() - t) / 1000;
  }
}

/**
 * The key holder's fresh key set and what the evaluator is handed: the model and the
 * evaluation keys (relinearisation + Galois for `galoisSteps`), never the secret key.
 */
function freshKeys(
  seal: Seal,
  ckks: CkksContext,
  model: LoadedModel,
  scoreScale: number,
  layout: { packingId: string; galoisSteps: readonly number[] },
) {
  const started = performance.now();
  const keys = generateCkksKeys(seal, ckks, layout.galoisSteps);
  const seconds = {
    keys: (performance.now() - started) / 1000,
    encrypt: 0,
    evaluate: 0,
    decrypt: 0,
  };
  const setup: EvaluatorSetup = {
    presetId: ckks.preset.id,
    packingId: layout.packingId,
    weights: model.weights,
    scoreScale,
    keys: { relinKeys: keys.evaluation.relinKeys, galoisKeys: keys.evaluation.galoisKeys! },
  };
  return { keys, setup, seconds };
}

/** Whole images, in order, into batches of at most `lanes` chunks (an image never straddles two). */
export function laneBatches(
  images: ReadonlyArray<readonly Uint8Array[]>,
  lanes: number,
): Array<Array<{ index: number; firstLane: number }>> {
  const batches: Array<Array<{ index: number; firstLane: number }>> = [];
  let lane = lanes;
  images.forEach((chunks, index) => {
    if (chunks.length > lanes) throw new RangeError(`image ${index} has more than ${lanes} chunks`);
    if (lane + chunks.length > lanes) {
      batches.push([]);
      lane = 0;
    }
    batches[batches.length - 1]!.push({ index, firstLane: lane });
    lane += chunks.length;
  });
  return batches;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('encrypted inference cancelled');
}
