// What a classify of n images costs in each CKKS layout, before running it: the
// operations the plans will execute, counted per RNS level, times what one operation
// costs on this kind of machine (op-costs.ts). Why: the two layouts cross over — blocks
// cost grows with every ciphertext (rotations, four chunks each), a lane batch costs the
// same from 1 chunk to 4,096 — and where they cross depends on the model (an ensemble of
// three costs three nets in blocks, while lanes skip the merged net's zero weights). A
// fixed chunk threshold could only be right for one model; `auto` asks this instead.
//
// Counts follow the engines exactly (packed-cnn-engine.ts, lane-cnn-engine.ts): in blocks
// one rescale per layer, x² = square + relinearise + rescale, zero diagonals skipped; in
// lanes the RNS kernel's products (one `kernelTerm` per weight and polynomial, zeros
// inside a member's GEMM included), its (de)serialisations, and fc1's lazy
// relinearisation. A level is named by the number of primes a ciphertext has left (the fresh
// ciphertext has all data primes; each rescale drops one).
import type { ChunkCnnWeights } from '../model/chunk-cnn.ts';
import { convOutputSize, flattenedSize } from '../model/chunk-cnn.ts';
import type { LinearPlan } from './blocks/linear-plan.ts';
import type { CkksPreset } from '../ckks/ckks-presets.ts';
import { scoreScaleFor } from '../ckks/he-safety.ts';
import type { LoadedModel } from '../model/model-file.ts';
import type { PackedCnnPlan } from './blocks/packed-cnn-plan.ts';
import {
  packedCnnRotationSteps,
  planPackedEnsemble,
  scoreLayer,
} from './blocks/packed-cnn-plan.ts';
import { splitHidden } from './lanes/lane-cnn-engine.ts';
import type { Layout } from './layout.ts';
import type { HiddenRange } from './lanes/lane-cnn-engine.ts';
import { laneSchedule } from './lanes/lane-schedule.ts';
import { independentUnits } from './lanes/lane-kernel-layers.ts';

/** Operations the cost model knows, each timed per level (op-costs.ts). */
export const COSTED_OPS = [
  'rotate',
  'multiplyAdd',
  'squareRelin',
  'square',
  'relinearize',
  'rescale',
  'kernelTerm',
  'serialize',
  'encodeVector',
  'encodeConstant',
  'load',
  'loadGaloisKey',
] as const;
export type CostedOp = (typeof COSTED_OPS)[number];

/** Operation counts by op and level (primes left). */
export type OpCounts = Record<CostedOp, Map<number, number>>;

/** Milliseconds per operation, by op and level. */
export type OpCosts = Record<CostedOp, Readonly<Record<number, number>>>;

export function emptyCounts(): OpCounts {
  return Object.fromEntries(COSTED_OPS.map((op) => [op, new Map<number, number>()])) as OpCounts;
}

function add(counts: OpCounts, op: CostedOp, level: number, n: number): void {
  if (n !== 0) counts[op].set(level, (counts[op].get(level) ?? 0) + n);
}

export function addCounts(into: OpCounts, from: OpCounts, times = 1): OpCounts {
  for (const op of COSTED_OPS) for (const [level, n] of from[op]) add(into, op, level, n * times);
  return into;
}

/** Milliseconds the counted operations take at the given per-operation costs. */
export function costMs(counts: OpCounts, costs: OpCosts): number {
  let ms = 0;
  for (const op of COSTED_OPS) {
    for (const [level, n] of counts[op]) {
      const each = costs[op][level];
      if (each === undefined) throw new RangeError(`no cost for ${op} at level ${level}`);
      ms += n * each;
    }
  }
  return ms;
}

/** Non-zero diagonals (plaintext products) of a linear plan. */
function terms(plan: LinearPlan): number {
  return plan.giantSteps.reduce((n, g) => n + g.terms.length, 0);
}

/** Rotations a linear plan executes (baby steps not already made, giants with terms, folds). */
function rotations(plan: LinearPlan, made: ReadonlySet<number> = new Set()): number {
  return (
    plan.babySteps.filter((b) => b !== 0 && !made.has(b)).length +
    plan.giantSteps.filter((g) => g.step !== 0 && g.terms.length > 0).length +
    plan.foldSteps.length
  );
}

/** A blocks layer: rotations and products at its input's level, a rescale, + bias vector. */
function linearLayer(
  counts: OpCounts,
  plan: LinearPlan,
  level: number,
  made?: ReadonlySet<number>,
): void {
  add(counts, 'rotate', level, rotations(plan, made));
  add(counts, 'multiplyAdd', level, terms(plan));
  add(counts, 'rescale', level, 1);
  add(counts, 'encodeVector', level - 1, 1);
}

/**
 * One stored block ciphertext (up to four chunks) through every member's plan; the
 * members share the input's rotations (packed-cnn-engine.ts), so a conv baby step is
 * rotated once per ciphertext.
 */
export function blockCiphertextCounts(plans: readonly PackedCnnPlan[], topLevel: number): OpCounts {
  const counts = emptyCounts();
  add(counts, 'load', topLevel, 1);
  const inputRotations = new Set<number>();
  for (const plan of plans) {
    linearLayer(counts, plan.conv, topLevel, inputRotations);
    for (const step of plan.conv.babySteps) inputRotations.add(step);
    add(counts, 'squareRelin', topLevel - 1, 1);
    add(counts, 'rescale', topLevel - 1, 1);
    linearLayer(counts, plan.fc1, topLevel - 2);
    add(counts, 'squareRelin', topLevel - 3, 1);
    add(counts, 'rescale', topLevel - 3, 1);
    linearLayer(counts, scoreLayer(plan, plan.blocks, true).linear, topLevel - 4);
  }
  return counts;
}

/**
 * What each blocks worker does once per classify, all workers at once: load the Galois
 * keys (one per rotation step) and encode every weight diagonal on its first ciphertext.
 */
export function blockSetupCounts(plans: readonly PackedCnnPlan[], topLevel: number): OpCounts {
  const counts = emptyCounts();
  add(counts, 'loadGaloisKey', topLevel, packedCnnRotationSteps(plans).length);
  for (const plan of plans) {
    add(counts, 'encodeVector', topLevel, terms(plan.conv));
    add(counts, 'encodeVector', topLevel - 2, terms(plan.fc1));
    add(counts, 'encodeVector', topLevel - 4, terms(plan.fc2));
  }
  return counts;
}

/**
 * One share of a lane batch (hidden units `range`) on the RNS kernel: the conv GEMM at
 * every position some unit of the share reads, each read conv output's SEAL steps, fc1's
 * GEMMs (one per group of units that share no input), each live hidden unit's steps and
 * fc2's terms on SEAL (constants encoded on the fly).
 */
export function laneShareCounts(
  weights: ChunkCnnWeights,
  range: HiddenRange,
  topLevel: number,
  scale: number,
): OpCounts {
  // Counting walks every weight (~1M for the shipped model): once per share and weights.
  const key = `${range.from}-${range.to}@${topLevel}/${scale}`;
  let known = shareCounts.get(weights);
  if (!known) shareCounts.set(weights, (known = new Map()));
  let counts = known.get(key);
  if (!counts) known.set(key, (counts = countLaneShare(weights, range, topLevel, scale)));
  return counts;
}

const shareCounts = new WeakMap<ChunkCnnWeights, Map<string, OpCounts>>();

function countLaneShare(
  weights: ChunkCnnWeights,
  range: HiddenRange,
  topLevel: number,
  scale: number,
): OpCounts {
  const arch = weights.architecture;
  const flat = flattenedSize(arch);
  const area = convOutputSize(arch) ** 2;
  const taps = arch.kernel * arch.kernel;
  const zero = (w: number) => Math.abs(w) * scale < 0.5;
  const live = (h: number, o: number) => !zero(weights.fc1Weight[h * flat + o]!);
  const { groups, groupOf } = independentUnits(range, flat, live);
  const counts = emptyCounts();
  // Every pixel: loaded as stored, saved uncompressed for the kernel.
  add(counts, 'load', topLevel, arch.inputSize ** 2);
  add(counts, 'serialize', topLevel, 2 * arch.inputSize ** 2);
  const channels = new Set<number>();
  const positions = new Set<number>();
  const rows = groups.map(() => 0);
  for (let o = 0; o < flat; o++) {
    const group = groupOf[o]!;
    if (group < 0) continue;
    rows[group]!++;
    channels.add(Math.floor(o / area));
    positions.add(o % area);
    // Out of the kernel, rescaled, squared, back in (three polynomials one level down).
    add(counts, 'serialize', topLevel, 2);
    add(counts, 'rescale', topLevel, 1);
    add(counts, 'square', topLevel - 1, 1);
    add(counts, 'serialize', topLevel - 1, 3);
  }
  add(counts, 'kernelTerm', topLevel, 2 * taps * channels.size * positions.size);
  groups.forEach((units, g) =>
    add(counts, 'kernelTerm', topLevel - 1, 3 * units.length * rows[g]!),
  );
  const hidden = groups.flat();
  const each = hidden.length;
  add(counts, 'serialize', topLevel - 1, 3 * each);
  add(counts, 'relinearize', topLevel - 1, each);
  add(counts, 'rescale', topLevel - 1, each);
  add(counts, 'rescale', topLevel - 2, each);
  add(counts, 'square', topLevel - 3, each);
  add(counts, 'relinearize', topLevel - 3, each);
  add(counts, 'rescale', topLevel - 3, each);
  for (let c = 0; c < arch.classes; c++) {
    let terms = 0;
    for (const h of hidden) if (!zero(weights.fc2Weight[c * arch.hidden + h]!)) terms++;
    add(counts, 'multiplyAdd', topLevel - 4, terms);
    add(counts, 'encodeConstant', topLevel - 4, terms);
    add(counts, 'rescale', topLevel - 4, 1);
  }
  return counts;
}

export interface CostModelInput {
  readonly plans: readonly PackedCnnPlan[];
  readonly weights: ChunkCnnWeights;
  /** Primes of a fresh ciphertext (the preset's data primes). */
  readonly topLevel: number;
  /** The encoding scale Δ (zero weights: |w|·Δ < ½). */
  readonly scale: number;
  readonly slotCount: number;
  readonly costs: OpCosts;
  readonly workers: number;
}

/** The cost model's input for a model on a preset: its plans, as classify makes them. */
export function costModelInput(
  model: LoadedModel,
  preset: CkksPreset,
  costs: OpCosts,
  workers: number,
): CostModelInput {
  const slotCount = preset.polyModulusDegree / 2;
  return {
    plans: planPackedEnsemble(model.weights, slotCount, {
      scoreScale: scoreScaleFor(model.file.activationRanges, preset),
    }),
    weights: model.weights,
    topLevel: preset.coeffModulusBits.length - 1,
    scale: 2 ** preset.scaleBits,
    slotCount,
    costs,
    workers,
  };
}

export interface LayoutPrediction {
  readonly seconds: number;
  /** Work units: block ciphertexts, or lane batches. */
  readonly units: number;
}

/** Blocks: each image's ciphertexts spread over the workers, after each worker's setup. */
export function predictBlocks(
  input: CostModelInput,
  chunksPerImage: readonly number[],
  chunksPerCiphertext = 4,
): LayoutPrediction {
  const ciphertexts = chunksPerImage.reduce((n, c) => n + Math.ceil(c / chunksPerCiphertext), 0);
  const perCiphertext = costMs(blockCiphertextCounts(input.plans, input.topLevel), input.costs);
  const setup = costMs(blockSetupCounts(input.plans, input.topLevel), input.costs);
  const rounds = Math.ceil(ciphertexts / Math.max(1, input.workers));
  return { seconds: (setup + rounds * perCiphertext) / 1000, units: ciphertexts };
}

/**
 * Lanes: ⌈chunks / slots⌉ batches, each a whole batch's cost however full; with fewer
 * batches than workers each is split into shares by hidden units (lane-evaluator.ts).
 * Images do not straddle batches, so a batch is taken as filled to the last whole image.
 */
export function predictLanes(
  input: CostModelInput,
  chunksPerImage: readonly number[],
  /** Batches as stored, when known (an import packs in the order its workers finish). */
  storedBatches?: number,
): LayoutPrediction {
  const batches = storedBatches ?? laneBatchCount(chunksPerImage, input.slotCount);
  if (batches === 0) return { seconds: 0, units: 0 };
  const { concurrent, parts } = laneSchedule(input.workers, batches);
  const shares = splitHidden(input.weights.architecture.hidden, parts).map((range) =>
    costMs(laneShareCounts(input.weights, range, input.topLevel, input.scale), input.costs),
  );
  const slowestShare = Math.max(...shares);
  const rounds = Math.ceil(batches / concurrent);
  return { seconds: (rounds * slowestShare) / 1000, units: batches };
}

export function laneBatchCount(chunksPerImage: readonly number[], slotCount: number): number {
  let batches = 0;
  let used = slotCount;
  for (const chunks of chunksPerImage) {
    if (chunks === 0) continue;
    if (used + chunks > slotCount) {
      batches++;
      used = 0;
    }
    used += chunks;
  }
  return batches;
}

/** The layout the model predicts faster for these images (ties go to blocks: less memory). */
export function fasterLayout(
  input: CostModelInput,
  chunksPerImage: readonly number[],
): { layout: Layout; blocks: LayoutPrediction; lanes: LayoutPrediction } {
  const blocks = predictBlocks(input, chunksPerImage);
  const lanes = predictLanes(input, chunksPerImage);
  return { layout: lanes.seconds < blocks.seconds ? 'lanes' : 'blocks', blocks, lanes };
}
