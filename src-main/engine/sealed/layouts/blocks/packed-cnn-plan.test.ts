import { describe, expect, it } from 'vitest';
import { referenceChunkScores } from '../../train/evaluate-chunk-cnn.ts';
import { PAPER_ARCHITECTURE, randomChunkCnn, aggregateImage } from '../../model/chunk-cnn.ts';
import { mulberry32 } from '../../../ml/random.ts';
import type { ChunkCnnArchitecture } from '../../model/chunk-cnn.ts';
import { BLOCK_PACKING_1024 } from './chunk-packing.ts';
import {
  CONV_GAIN_TARGET,
  convGains,
  packedCnnRotationSteps,
  planPackedCnn,
} from './packed-cnn-plan.ts';
import { readScores, rotateSlots, simulatePackedCnn } from './packed-cnn-simulator.ts';
import { planLinear } from './linear-plan.ts';

function randomChunks(count: number, seed: number): Uint8Array[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () =>
    Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
  );
}

describe('linear plan (baby-step/giant-step diagonals)', () => {
  it('computes a small dense map exactly, with and without bands', () => {
    const W = [
      [1, 2, 0, -1],
      [0.5, 0, 3, 4],
    ];
    const inPositions = [0, 5, 9, 14];
    for (const band of [undefined, { width: 4, copies: 4 }]) {
      const plan = planLinear({
        name: 't',
        slotCount: 64,
        blockSlots: 32,
        inPositions,
        outPositions: [0, 1],
        weight: (o, i) => W[o]![i]!,
        band,
      });
      const x = new Float64Array(64);
      [3, -2, 7, 1].forEach(
        (v, i) => ((x[inPositions[i]!] = v), (x[32 + inPositions[i]!] = 10 * v)),
      );
      let y = new Float64Array(64);
      const rotated = new Map(plan.babySteps.map((b) => [b, rotateSlots(x, b)]));
      for (const g of plan.giantSteps) {
        const inner = new Float64Array(64);
        for (const t of g.terms)
          rotated.get(t.baby)!.forEach((v, p) => (inner[p]! += v * t.values[p]!));
        rotateSlots(inner, g.step).forEach((v, p) => (y[p]! += v));
      }
      for (const step of plan.foldSteps) {
        const r = rotateSlots(y, step);
        y = y.map((v, p) => v + r[p]!);
      }
      expect([y[0], y[1], y[32], y[33]]).toEqual([
        3 - 4 - 1,
        1.5 + 21 + 4,
        30 - 40 - 10,
        15 + 210 + 40,
      ]);
    }
  });
});

describe('packed chunk CNN plan', () => {
  const weights = randomChunkCnn(PAPER_ARCHITECTURE, 7);
  const plan = planPackedCnn(weights, 4096);

  it('reproduces the plain network chunk by chunk (float64 simulation)', () => {
    const chunks = randomChunks(4, 3);
    const packed = BLOCK_PACKING_1024.pack(chunks, 4096)[0]!;
    const slots = simulatePackedCnn(plan, packed, 4, { sumBlocks: false });
    const reference = referenceChunkScores(weights, chunks);
    reference.forEach((expected, block) => {
      const got = readScores(plan, slots, block);
      got.forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 9));
    });
  });

  it('sums the occupied blocks only, so a partly filled ciphertext gives the image sum', () => {
    const chunks = randomChunks(3, 4);
    const packed = BLOCK_PACKING_1024.pack(chunks, 4096)[0]!;
    const summed = readScores(plan, simulatePackedCnn(plan, packed, 3, { sumBlocks: true }));
    const expected = aggregateImage(referenceChunkScores(weights, chunks));
    summed.forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 9));
  });

  it('raises each conv channel to the gain target from its worst case, never lowers one', () => {
    // Channel 0 reaches at most 0.5 + 0.25 = 0.75 (all pixels white); channel 1 at
    // least −0.5 − 0.25 (bias −0.25); channel 2 ±40 already exceeds the target; 3 is dead.
    const arch = { ...PAPER_ARCHITECTURE, channels: 4, kernel: 2, stride: 2 };
    const net = randomChunkCnn(arch, 3);
    const convWeight = Float64Array.from(
      [
        [0.25, 0.25, -0.1, 0],
        [-0.25, -0.25, 0, 0.1],
        [40, -40, 0, 0],
        [0, 0, 0, 0],
      ].flat(),
    );
    const convBias = Float64Array.from([0.25, -0.25, 0, 0]);
    const gains = convGains({ ...net, convWeight, convBias });
    expect(Array.from(gains)).toEqual([CONV_GAIN_TARGET / 0.75, CONV_GAIN_TARGET / 0.75, 1, 1]);
    // The gains cancel in fc1: the plan computes the trained network (checked above
    // with the random net, whose channels reach ≈ 1 and run at gains ≈ 16).
    expect(Math.min(...planPackedCnn(weights, 4096).convGains)).toBeGreaterThan(4);
    // Target 0 turns the gains off (what `bench -- fidelity` compares against).
    expect(Array.from(planPackedCnn(weights, 4096, { convGainTarget: 0 }).convGains)).toEqual(
      Array.from({ length: weights.architecture.channels }, () => 1),
    );
  });

  it('costs far fewer rotations than one per diagonal', () => {
    expect(plan.conv.rotations).toBeLessThanOrEqual(16);
    expect(plan.fc1.rotations).toBeLessThanOrEqual(40);
    expect(plan.fc2.rotations).toBeLessThanOrEqual(14);
    expect(packedCnnRotationSteps(plan).length).toBeLessThan(80);
  });

  it('takes another architecture without new code (wider conv, stride 2, 10 classes)', () => {
    const arch: ChunkCnnArchitecture = {
      inputSize: 28,
      channels: 4,
      kernel: 5,
      stride: 2,
      hidden: 64,
      classes: 10,
    };
    const other = randomChunkCnn(arch, 11);
    const otherPlan = planPackedCnn(other, 4096);
    const chunks = randomChunks(2, 5);
    const slots = simulatePackedCnn(otherPlan, BLOCK_PACKING_1024.pack(chunks, 4096)[0]!, 2, {
      sumBlocks: false,
    });
    referenceChunkScores(other, chunks).forEach((expected, block) => {
      readScores(otherPlan, slots, block).forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 9));
    });
  });
});

describe('rotation steps', () => {
  it('depend on the architecture only, not on which weights happen to be zero', () => {
    const dense = randomChunkCnn(PAPER_ARCHITECTURE, 1);
    const sparse = { ...dense, fc1Weight: dense.fc1Weight.map((w, i) => (i % 3 === 0 ? 0 : w)) };
    const steps = packedCnnRotationSteps(planPackedCnn(dense, 4096));
    expect(packedCnnRotationSteps(planPackedCnn(sparse, 4096))).toEqual(steps);
  });
});
