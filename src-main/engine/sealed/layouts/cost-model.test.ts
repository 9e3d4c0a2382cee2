// The cost model counts what the engines execute: the blocks counts against the packed
// engine's own counters on a real ciphertext, the lanes counts against a net whose live
// weights are known by construction; and its predictions have the layouts' shapes (a
// part-filled lane batch costs a full one, blocks grow with ciphertexts).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadSeal } from '../ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../ckks/ckks-presets.ts';
import { generateCkksKeys } from '../ckks/ckks-keys.ts';
import { CkksChunkCipher } from './blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from './blocks/chunk-packing.ts';
import {
  packedCnnRotationSteps,
  planPackedCnn,
  planPackedEnsemble,
} from './blocks/packed-cnn-plan.ts';
import { PackedCnnEngine } from './blocks/packed-cnn-engine.ts';
import {
  blockCiphertextCounts,
  COSTED_OPS,
  costMs,
  laneShareCounts,
  predictBlocks,
  predictLanes,
} from './cost-model.ts';
import type { OpCosts, OpCounts } from './cost-model.ts';
import { calibrateOpCosts, REFERENCE_OP_COSTS } from './op-costs.ts';
import { chooseLayout } from '../inference/fresh-key-inference.ts';
import { PAPER_ARCHITECTURE, randomChunkCnn } from '../model/chunk-cnn.ts';
import { mulberry32 } from '../../ml/random.ts';
import { ensembleMembers, mergeEnsemble } from '../model/chunk-cnn-ensemble.ts';
import { loadModel } from '../model/model-file.ts';

const SHIPPED = fileURLToPath(
  new URL('../../../../assets/models/neu-chunk-cnn.json', import.meta.url),
);
const TOP = DEFAULT_CKKS_PRESET.coeffModulusBits.length - 1;
const SCALE = 2 ** DEFAULT_CKKS_PRESET.scaleBits;
const SLOTS = DEFAULT_CKKS_PRESET.polyModulusDegree / 2;
const total = (counts: OpCounts, op: keyof OpCounts) =>
  [...counts[op].values()].reduce((a, b) => a + b, 0);

describe('cost model counts', () => {
  it('counts what the blocks engine executes for an ensemble, whose members share the input rotations', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const merged = mergeEnsemble([4, 5].map((seed) => randomChunkCnn(PAPER_ARCHITECTURE, seed)));
    const plans = planPackedEnsemble(merged, ckks.slotCount);
    const keys = generateCkksKeys(seal, ckks, packedCnnRotationSteps(plans));
    const evaluationKeys = {
      relinKeys: keys.evaluation.relinKeys,
      galoisKeys: keys.evaluation.galoisKeys!,
    };
    using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
    using engine = new PackedCnnEngine(seal, ckks, plans, evaluationKeys);
    const random = mulberry32(2);
    const chunks = Array.from({ length: 4 }, () =>
      Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
    );
    const bytes = cipher.encryptChunks(chunks)[0]!;
    using input = engine.load(bytes);
    using together = engine.inferCiphertext(input, 4, { sumBlocks: true });
    const counts = blockCiphertextCounts(plans, TOP);
    expect(total(counts, 'rotate')).toBe(engine.counters.rotations);
    expect(total(counts, 'multiplyAdd')).toBe(engine.counters.multiplications);
    // conv at the top level, fc1 two rescales down, fc2 four.
    expect([...counts.rotate.keys()].sort()).toEqual([2, 4, 6]);
    // Shared rotations change no bit: the members run alone and added give the same bytes.
    const [first, second] = ensembleMembers(merged).map(
      (member) =>
        new PackedCnnEngine(seal, ckks, planPackedCnn(member, ckks.slotCount), evaluationKeys),
    );
    try {
      using a = first!.inferCiphertext(input, 4, { sumBlocks: true });
      using b = second!.inferCiphertext(input, 4, { sumBlocks: true });
      using evaluator = new seal.Evaluator(ckks.context);
      evaluator.addInplace(a, b);
      expect(Buffer.from(engine.serialize(a)).equals(Buffer.from(engine.serialize(together)))).toBe(
        true,
      );
      const alone = first!.counters.rotations + second!.counters.rotations;
      const convBabies = plans[0]!.conv.babySteps.filter((step) => step !== 0).length;
      expect(engine.counters.rotations).toBe(alone - convBabies);
    } finally {
      first![Symbol.dispose]();
      second![Symbol.dispose]();
    }
  });

  it('counts a lane share: only conv outputs a unit reads, only live weights', () => {
    const arch = PAPER_ARCHITECTURE; // 4 channels of 7×7 at stride 3: 8×8 outputs each
    const dense = randomChunkCnn(arch, 9);
    const flat = dense.fc1Weight.length / arch.hidden;
    const perChannel = flat / arch.channels;
    // Units read channel 0 only; unit 1 is dead; channel 0 has 10 zero taps.
    const weights = {
      ...dense,
      fc1Weight: dense.fc1Weight.map((w, i) => {
        const h = Math.floor(i / flat);
        return h === 1 || i % flat >= perChannel ? 0 : w;
      }),
      convWeight: dense.convWeight.map((w, i) => (i < 10 ? 0 : w)),
    };
    const taps = arch.kernel * arch.kernel;
    const counts = laneShareCounts(weights, { from: 0, to: arch.hidden }, TOP, SCALE);
    // Conv's GEMM: every tap (zeros too) of the one channel read, at each of its positions.
    expect(counts.kernelTerm.get(TOP)).toBe(2 * taps * perChannel);
    expect(counts.rescale.get(TOP)).toBe(perChannel);
    expect(counts.square.get(TOP - 1)).toBe(perChannel);
    // fc1: one GEMM over the live units (all read the same outputs), three polynomials.
    expect(counts.kernelTerm.get(TOP - 1)).toBe(3 * (arch.hidden - 1) * perChannel);
    // Lazy relinearisation: once per live hidden unit, not per conv output.
    expect(counts.relinearize.get(TOP - 1)).toBe(arch.hidden - 1);
    expect(counts.relinearize.get(TOP - 3)).toBe(arch.hidden - 1);
    expect(counts.squareRelin.size).toBe(0);
    expect(counts.multiplyAdd.get(TOP - 4)).toBe(arch.classes * (arch.hidden - 1));
    expect(counts.load.get(TOP)).toBe(arch.inputSize ** 2);
    // A share of units 0..1 holds only unit 0 live.
    const share = laneShareCounts(weights, { from: 0, to: 2 }, TOP, SCALE);
    expect(share.kernelTerm.get(TOP - 1)).toBe(3 * perChannel);
    expect(share.relinearize.get(TOP - 1)).toBe(1);
  });
});

describe('cost model predictions', () => {
  const flatCosts = Object.fromEntries(
    COSTED_OPS.map((op) => [op, Object.fromEntries([1, 2, 3, 4, 5, 6].map((l) => [l, 1]))]),
  ) as OpCosts;

  it('prices a part-filled lane batch as a full one, and blocks by ciphertexts', async () => {
    const model = await loadModel(SHIPPED);
    const input = {
      plans: planPackedEnsemble(model.weights, SLOTS),
      weights: model.weights,
      topLevel: TOP,
      scale: SCALE,
      slotCount: SLOTS,
      costs: flatCosts,
      workers: 2,
    };
    const images = (n: number) => Array.from({ length: n }, () => 13);
    expect(predictLanes(input, images(1)).seconds).toBe(predictLanes(input, images(300)).seconds);
    expect(predictLanes(input, images(1)).units).toBe(1);
    // 2 batches on 2 workers: one round of whole batches, each twice a 2-way share.
    const two = predictLanes(input, images(630));
    expect(two.units).toBe(2);
    expect(two.seconds).toBeGreaterThan(predictLanes(input, images(300)).seconds);
    // 13 chunks = 4 ciphertexts per image.
    expect(predictBlocks(input, images(2)).units).toBe(8);
    const grow =
      predictBlocks(input, images(20)).seconds - predictBlocks(input, images(10)).seconds;
    expect(grow).toBeGreaterThan(0);
  });

  it('auto picks blocks for one image and lanes for full batches of the shipped model', async () => {
    const model = await loadModel(SHIPPED);
    const image = (chunks: number) => Array.from({ length: chunks }, () => new Uint8Array(784));
    expect(chooseLayout([image(14)], model, { workers: 2 })).toBe('blocks');
    const many = Array.from({ length: 580 }, () => image(14));
    expect(chooseLayout(many, model, { workers: 2 })).toBe('lanes');
    expect(chooseLayout([image(1)], model, { layout: 'lanes' })).toBe('lanes');
  });

  it('calibrates a price for every operation and level the engines use', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const costs = calibrateOpCosts(seal, ckks, 2);
    const model = await loadModel(SHIPPED);
    const used = [
      blockCiphertextCounts(planPackedEnsemble(model.weights, SLOTS), TOP),
      laneShareCounts(model.weights, { from: 0, to: 384 }, TOP, SCALE),
    ];
    for (const table of [costs, REFERENCE_OP_COSTS]) {
      for (const counts of used) expect(costMs(counts, table)).toBeGreaterThan(0);
      for (const op of COSTED_OPS)
        for (const ms of Object.values(table[op])) expect(ms).toBeGreaterThan(0);
    }
    // A rotation (key switch) costs far more than a plaintext product at the same level.
    expect(costs.rotate[6]!).toBeGreaterThan(5 * costs.multiplyAdd[6]!);
  });
});
