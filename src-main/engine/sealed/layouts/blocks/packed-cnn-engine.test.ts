// The packed engine on real ciphertexts: per-chunk and image-level scores match the
// float64 network within 1e-2 (measured ~1e-4), and memory stays flat.
import { describe, expect, it } from 'vitest';
import { referenceChunkScores } from '../../train/evaluate-chunk-cnn.ts';
import { loadSeal } from '../../ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../../ckks/ckks-presets.ts';
import type { CkksContext } from '../../ckks/ckks-presets.ts';
import type { Seal } from '../../ckks/seal-runtime.ts';
import { generateCkksKeys } from '../../ckks/ckks-keys.ts';
import { CkksChunkCipher } from './chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from './chunk-packing.ts';
import { packedCnnRotationSteps, planPackedCnn } from './packed-cnn-plan.ts';
import { PackedCnnEngine } from './packed-cnn-engine.ts';
import { decryptScores } from '../../inference/result-decryption.ts';
import { aggregateImage, PAPER_ARCHITECTURE, randomChunkCnn } from '../../model/chunk-cnn.ts';
import { mulberry32 } from '../../../ml/random.ts';
import type { ChunkCnnWeights } from '../../model/chunk-cnn.ts';

/** The plan for `weights`, fresh keys for its rotations, a key-holder cipher and the engine (disposed together). */
function encryptedEngine(seal: Seal, ckks: CkksContext, weights: ChunkCnnWeights) {
  const plan = planPackedCnn(weights, ckks.slotCount);
  const keys = generateCkksKeys(seal, ckks, packedCnnRotationSteps(plan));
  const cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
  const engine = new PackedCnnEngine(seal, ckks, plan, {
    relinKeys: keys.evaluation.relinKeys,
    galoisKeys: keys.evaluation.galoisKeys!,
  });
  return {
    plan,
    keys,
    cipher,
    engine,
    [Symbol.dispose]() {
      engine[Symbol.dispose]();
      cipher[Symbol.dispose]();
    },
  };
}

describe('packed CKKS engine', () => {
  it('matches the network per chunk and per image, and deletes what it creates', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const weights = randomChunkCnn(PAPER_ARCHITECTURE, 21);
    using setup = encryptedEngine(seal, ckks, weights);
    const { plan, keys, cipher, engine } = setup;
    const random = mulberry32(8);
    const chunks = Array.from({ length: 3 }, () =>
      Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
    );
    const expected = referenceChunkScores(weights, chunks);
    const [bytes] = cipher.encryptChunks(chunks);
    const run = (sumBlocks: boolean) => {
      using input = engine.load(bytes!);
      using output = engine.inferCiphertext(input, chunks.length, { sumBlocks });
      return engine.serialize(output);
    };
    const perChunk = run(false);
    chunks.forEach((_, block) =>
      decryptScores(seal, ckks, plan, keys.secretKey, perChunk, block).forEach((v, c) =>
        expect(Math.abs(v - expected[block]![c]!)).toBeLessThan(1e-2),
      ),
    );
    const image = decryptScores(seal, ckks, plan, keys.secretKey, run(true));
    const sum = aggregateImage(expected);
    image.forEach((v, c) => expect(Math.abs(v - sum[c]!)).toBeLessThan(1e-2));
    expect(engine.counters.rotations).toBe(2 * 58 + 2);

    // Each inference makes ~90 temporary ciphertexts (0.2–0.6 MB each); memory must stay
    // flat. (node-seal 7's embind build also attaches FinalizationRegistry finalizers,
    // so a forgotten delete is reclaimed at some later GC — the engine deletes
    // explicitly so memory does not depend on when the JS GC happens to run.)
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 8; i++) run(true);
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(60);
  });

  it('skips weight diagonals below the encoding resolution (dead units), still matching', async () => {
    // Only hidden unit 0 keeps its fc1 weights; the others decayed to 1e-12 (|w|·Δ < ½).
    // Their diagonals encode to zero plaintexts, whose products SEAL refuses as
    // transparent ciphertexts: the engine must skip them, not fail.
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const dense = randomChunkCnn(PAPER_ARCHITECTURE, 5);
    const flat = dense.fc1Weight.length / PAPER_ARCHITECTURE.hidden;
    const weights = {
      ...dense,
      fc1Weight: dense.fc1Weight.map((w, index) => (index < flat ? w : w * 1e-12)),
    };
    using setup = encryptedEngine(seal, ckks, weights);
    const { plan, keys, cipher, engine } = setup;
    const random = mulberry32(3);
    const chunk = Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256));
    const [expected] = referenceChunkScores(weights, [chunk]);
    const [bytes] = cipher.encryptChunks([chunk]);
    using input = engine.load(bytes!);
    using output = engine.inferCiphertext(input, 1, { sumBlocks: false });
    const multiplications = engine.counters.multiplications;
    decryptScores(seal, ckks, plan, keys.secretKey, engine.serialize(output)).forEach((v, c) =>
      expect(Math.abs(v - expected[c]!)).toBeLessThan(1e-2),
    );
    const live = [plan.conv, plan.fc1, plan.fc2].reduce((n, l) => n + l.multiplications, 0);
    expect(multiplications).toBeLessThan(live); // some fc1 diagonals were skipped
  });

  it('refuses evaluation keys without the rotations the plan needs', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const plan = planPackedCnn(randomChunkCnn(PAPER_ARCHITECTURE, 1), ckks.slotCount);
    const keys = generateCkksKeys(seal, ckks, [1, 2, 3]);
    expect(
      () =>
        new PackedCnnEngine(seal, ckks, plan, {
          relinKeys: keys.evaluation.relinKeys,
          galoisKeys: keys.evaluation.galoisKeys!,
        }),
    ).toThrow(/Galois keys lack rotation steps/);
  });
});
