// The chunk CNN laid out over block-packed CKKS slots (one chunk per 1024-slot
// block, four chunks per ciphertext at N = 8192, pixels row-major as stored):
//
//   conv2d_packed   pixels (r·28 + c)  →  channel k of window (i, j) at
//                   3·28·i + 3·j + e_k, where e_k picks a free slot of the 3×3
//                   stride cell (0, 1, 2, 28): all channels share one ciphertext
//   square          x²
//   mm (fc1)        → hidden unit h at slot h, inputs banded by 128 and folded
//   square          x²
//   mm (fc2)        → class c at slot c, inputs banded by 8 and folded
//   sum_blocks      rotate-and-sum over the blocks: one score vector per ciphertext
//
// Each layer is a LinearPlan (baby-step/giant-step diagonals); this module only
// chooses the slot layouts, and the conv gains: each conv channel runs scaled up so
// its worst-case output reaches CONV_GAIN_TARGET, and fc1's weights on that channel
// are divided by the gain squared, which leaves fc1 exactly as trained. Why: fc1's
// baby-step rotations act on conv² at scale 2^28 and each adds an error of fixed
// size (key switching), so small conv² values carry a large relative error into
// every hidden unit; fc1's smaller weights are still far above the encoding's
// resolution. Measured (`npm run bench -- fidelity --rounds 2`: shipped ensemble, 24
// NEU images, same keys and ciphertexts both ways): image-score error RMS 1.35e-3 with
// the gains against 2.59e-3 without, max 6.5e-3 against 1.3e-2. The same plan drives
// the CKKS executor and the float64 simulator, so tests compare the ciphertexts
// against exactly this computation.
import type { ChunkCnnWeights } from '../../model/chunk-cnn.ts';
import { convOutputSize } from '../../model/chunk-cnn.ts';
import { ensembleMembers, memberCount } from '../../model/chunk-cnn-ensemble.ts';
import { planLinear, planRotationSteps } from './linear-plan.ts';
import type { LinearLayerSpec, LinearPlan } from './linear-plan.ts';

import { BLOCK_SLOTS } from './chunk-packing.ts';

export { BLOCK_SLOTS };

export interface PackedCnnPlan {
  readonly slotCount: number;
  readonly blockSlots: number;
  readonly blocks: number;
  readonly classes: number;
  readonly conv: LinearPlan;
  readonly fc1: LinearPlan;
  readonly fc2: LinearPlan;
  /** Biases laid out at each layer's output positions, for every block. */
  readonly biases: {
    readonly conv: Float64Array;
    readonly fc1: Float64Array;
    readonly fc2: Float64Array;
  };
  /** Rotation steps that sum the blocks of a ciphertext into block 0. */
  readonly blockSumSteps: readonly number[];
  /** Per conv channel: its weights and bias × gain, fc1's weights on it ÷ gain² (≥ 1). */
  readonly convGains: Float64Array;
  /**
   * fc2 runs with its weights and bias multiplied by this factor (≤ 1) so the image
   * sum fits the last prime's headroom; decryption divides it out. The argmax is
   * unchanged; the absolute error grows by 1 / scoreScale (see he-safety.ts).
   */
  readonly scoreScale: number;
}

/** The worst-case |conv output| each channel is scaled up to (never down). */
export const CONV_GAIN_TARGET = 16;

/**
 * Gain per conv channel from its weights alone: pixels are in [0, 1], so a channel's
 * output lies within [b + Σ negative w, b + Σ positive w] for any input, seen or not.
 */
export function convGains(weights: ChunkCnnWeights, target = CONV_GAIN_TARGET): Float64Array {
  const { channels, kernel } = weights.architecture;
  const taps = kernel * kernel;
  return Float64Array.from({ length: channels }, (_, c) => {
    let high = weights.convBias[c]!;
    let low = high;
    for (let t = 0; t < taps; t++) {
      const w = weights.convWeight[c * taps + t]!;
      if (w > 0) high += w;
      else low += w;
    }
    const bound = Math.max(Math.abs(high), Math.abs(low));
    return bound > 0 ? Math.max(1, target / bound) : 1;
  });
}

/** Relative costs measured on node-seal (ms): used only to choose band widths. */
const ROTATION_COST = 10;
const MULTIPLY_COST = 0.7;

export function convOutputPositions(
  arch: ChunkCnnWeights['architecture'],
  blockSlots: number,
): number[] {
  const out = convOutputSize(arch);
  const n = arch.inputSize;
  const cell = arch.stride * arch.stride;
  const positions: number[] = [];
  for (let k = 0; k < arch.channels; k++) {
    const sheet = Math.floor(k / cell);
    const offset = sheet * n * n + Math.floor((k % cell) / arch.stride) * n + (k % arch.stride);
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < out; j++) positions.push(offset + arch.stride * (n * i + j));
    }
  }
  const last = Math.max(...positions);
  if (last >= blockSlots)
    throw new RangeError(`${arch.channels} conv channels do not fit a ${blockSlots}-slot block`);
  return positions;
}

function bestBandedPlan(base: Omit<LinearLayerSpec, 'band'>): LinearPlan {
  const maxIn = Math.max(...base.inPositions);
  const outputs = base.outPositions.length;
  const candidates: LinearPlan[] = [planLinear(base)];
  for (let width = 2 ** Math.ceil(Math.log2(outputs)); width <= maxIn; width *= 2) {
    const copies = Math.ceil((maxIn + 1) / width);
    const folded = 2 ** Math.ceil(Math.log2(copies));
    if ((folded - 1) * width + outputs > base.blockSlots) continue;
    candidates.push(planLinear({ ...base, band: { width, copies } }));
  }
  const cost = (p: LinearPlan) => p.rotations * ROTATION_COST + p.multiplications * MULTIPLY_COST;
  return candidates.reduce((best, p) => (cost(p) < cost(best) ? p : best));
}

export interface PackedPlanOptions {
  readonly blockSlots?: number;
  readonly scoreScale?: number;
  /**
   * The conv gain target (default CONV_GAIN_TARGET; 0: every gain 1). Other values are
   * only for measuring what the gains buy (`bench -- fidelity --targets`).
   */
  readonly convGainTarget?: number;
}

export function planPackedCnn(
  weights: ChunkCnnWeights,
  slotCount: number,
  options: PackedPlanOptions = {},
): PackedCnnPlan {
  const blockSlots = options.blockSlots ?? BLOCK_SLOTS;
  const scoreScale = options.scoreScale ?? 1;
  if (!(scoreScale > 0 && scoreScale <= 1))
    throw new RangeError(`score scale ${scoreScale} is not in (0, 1]`);
  const arch = weights.architecture;
  if (memberCount(arch) > 1)
    throw new RangeError('an ensemble runs as one plan per member: use planPackedEnsemble');
  const n = arch.inputSize;
  if (n * n > blockSlots)
    throw new RangeError(`a ${n}×${n} chunk does not fit a ${blockSlots}-slot block`);
  const out = convOutputSize(arch);
  const k = arch.kernel;
  const pixels = Array.from({ length: n * n }, (_, p) => p);
  const convPositions = convOutputPositions(arch, blockSlots);
  const gains = convGains(weights, options.convGainTarget);
  const channelOf = (o: number) => Math.floor(o / (out * out));
  /** Which kernel tap links conv output o (channel-major [c][i][j]) to pixel p, if any. */
  const kernelTap = (o: number, p: number) => {
    const i = Math.floor((o % (out * out)) / out);
    const j = o % out;
    const dy = Math.floor(p / n) - arch.stride * i;
    const dx = (p % n) - arch.stride * j;
    return dy < 0 || dy >= k || dx < 0 || dx >= k ? null : { dy, dx };
  };
  const conv = planLinear({
    name: 'conv2d',
    slotCount,
    blockSlots,
    inPositions: pixels,
    outPositions: convPositions,
    weight: (o, p) => {
      const tap = kernelTap(o, p);
      const c = channelOf(o);
      return tap === null ? 0 : gains[c]! * weights.convWeight[(c * k + tap.dy) * k + tap.dx]!;
    },
    connected: (o, p) => kernelTap(o, p) !== null,
  });
  const flat = convPositions.length;
  const hiddenPositions = Array.from({ length: arch.hidden }, (_, h) => h);
  const fc1 = bestBandedPlan({
    name: 'fc1',
    slotCount,
    blockSlots,
    inPositions: convPositions,
    outPositions: hiddenPositions,
    weight: (o, i) => weights.fc1Weight[o * flat + i]! / gains[channelOf(i)]! ** 2,
    connected: () => true,
  });
  const classPositions = Array.from({ length: arch.classes }, (_, c) => c);
  const fc2 = bestBandedPlan({
    name: 'fc2',
    slotCount,
    blockSlots,
    inPositions: hiddenPositions,
    outPositions: classPositions,
    weight: (o, i) => scoreScale * weights.fc2Weight[o * arch.hidden + i]!,
    connected: () => true,
  });
  const blocks = slotCount / blockSlots;
  const blockSumSteps: number[] = [];
  for (let span = 1; span < blocks; span *= 2) blockSumSteps.push(span * blockSlots);
  const layout = (positions: readonly number[], bias: Float64Array) => {
    const values = new Float64Array(slotCount);
    for (let block = 0; block < blocks; block++) {
      positions.forEach((position, o) => (values[block * blockSlots + position] = bias[o]!));
    }
    return values;
  };
  return {
    slotCount,
    blockSlots,
    blocks,
    classes: arch.classes,
    conv,
    fc1,
    fc2,
    biases: {
      conv: layout(
        convPositions,
        Float64Array.from(
          convPositions,
          (_, o) => gains[channelOf(o)]! * weights.convBias[channelOf(o)]!,
        ),
      ),
      fc1: layout(hiddenPositions, weights.fc1Bias),
      fc2: layout(
        classPositions,
        weights.fc2Bias.map((b) => scoreScale * b),
      ),
    },
    blockSumSteps,
    convGains: gains,
    scoreScale,
  };
}

/** Biases only in the blocks that hold a chunk, so empty blocks stay exactly zero. */
export function maskBlocks(
  values: Float64Array,
  plan: PackedCnnPlan,
  occupiedBlocks: number,
): Float64Array {
  const masked = values.slice();
  masked.fill(0, occupiedBlocks * plan.blockSlots);
  return masked;
}

/**
 * The last layer as run for one ciphertext with `occupiedBlocks` chunks. Summing
 * the blocks (the image-level result) is folded into fc2's rotate-and-sum, before
 * its rescale: a rotation on the last prime alone is far noisier (measured: the
 * image scores drift by ~4e-3 that way, ~1e-4 this way). The summed bias goes to
 * block 0 only, `occupiedBlocks` times.
 */
export function scoreLayer(
  plan: PackedCnnPlan,
  occupiedBlocks: number,
  sumBlocks: boolean,
): { linear: LinearPlan; bias: Float64Array } {
  if (!sumBlocks)
    return { linear: plan.fc2, bias: maskBlocks(plan.biases.fc2, plan, occupiedBlocks) };
  const bias = plan.biases.fc2.slice(0, plan.slotCount);
  bias.fill(0, plan.blockSlots);
  for (let p = 0; p < plan.blockSlots; p++) bias[p]! *= occupiedBlocks;
  return {
    linear: {
      ...plan.fc2,
      foldSteps: [...plan.fc2.foldSteps, ...plan.blockSumSteps],
      rotations: plan.fc2.rotations + plan.blockSumSteps.length,
    },
    bias,
  };
}

/** The rotation steps (Galois keys) a plan, or all an ensemble's member plans, use. */
export function packedCnnRotationSteps(plans: PackedCnnPlan | readonly PackedCnnPlan[]): number[] {
  const list: readonly PackedCnnPlan[] = Array.isArray(plans) ? plans : [plans as PackedCnnPlan];
  const steps = list.flatMap((plan) =>
    [plan.conv, plan.fc1, plan.fc2].flatMap(planRotationSteps).concat(plan.blockSumSteps),
  );
  return [...new Set(steps)].sort((a, b) => a - b);
}

/**
 * One plan per member of an ensemble (a single net: one plan). A merged ensemble's
 * conv does not fit one block, so the engine runs the members and adds their scores;
 * all share the score scale, which the whole ensemble's measured range sets.
 */
export function planPackedEnsemble(
  weights: ChunkCnnWeights,
  slotCount: number,
  options: PackedPlanOptions = {},
): PackedCnnPlan[] {
  return ensembleMembers(weights).map((member) => planPackedCnn(member, slotCount, options));
}
