// What one CKKS operation costs, per level: the cost model's prices (cost-model.ts).
// Calibrated by timing each operation a few times on throwaway keys and ciphertexts
// (a second or two), so the model's predictions are checked against runs it was not
// fitted to (`npm run bench -- he` shows predicted against measured). REFERENCE_OP_COSTS
// are one calibration on a 2-core x86-64 machine: `auto` compares the two layouts, and
// their ratio moves far less between machines than their absolute times.
import type { Ciphertext, Plaintext } from 'node-seal/throws';
import type { Seal } from '../ckks/seal-runtime.ts';
import { sealInput } from '../ckks/seal-runtime.ts';
import type { CkksContext } from '../ckks/ckks-presets.ts';
import { generateCkksKeys } from '../ckks/ckks-keys.ts';
import { CkksChunkCipher } from './blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from './blocks/chunk-packing.ts';
import { ConstantPlaintexts } from '../ckks/constant-plaintext.ts';
import { RnsLinear } from '../ckks/rns-linear.ts';
import type { OpCosts } from './cost-model.ts';
import { mulberry32 } from '../../ml/random.ts';

/**
 * Milliseconds per operation by level (primes left) for `ckks-n8192-d5-s28`, from
 * `calibrateOpCosts(seal, ckks, 9)` on a quiet 2-core AMD EPYC machine, Node 24 (the
 * `he` benchmark reports its own calibration as `opCostsMs`); the lanes kernel's ops
 * (square, relinearize, kernelTerm, serialize) from a later calibration on the same kind.
 */
export const REFERENCE_OP_COSTS: OpCosts = {
  rotate: { 6: 16.3, 4: 8.89, 2: 3.69 },
  multiplyAdd: { 6: 1.44, 4: 0.86, 2: 0.421 },
  squareRelin: { 5: 13.9, 3: 6.89 },
  square: { 5: 1.44, 3: 0.851 },
  relinearize: { 5: 11.6, 3: 5.67 },
  rescale: { 6: 3.13, 5: 2.57, 4: 1.99, 3: 1.47, 2: 0.91 },
  kernelTerm: { 6: 0.0281, 5: 0.0247 },
  serialize: { 6: 0.297, 5: 0.258 },
  encodeVector: { 6: 1.74, 5: 1.73, 4: 1.79, 3: 1.77, 2: 1.75, 1: 1.78 },
  encodeConstant: { 4: 0.267, 2: 0.135 },
  load: { 6: 3.43 },
  loadGaloisKey: { 6: 21.4 },
};

/** Levels each operation is used at by the engines (top level 6: five rescales, to 1). */
const LEVELS: Record<keyof OpCosts, readonly number[]> = {
  rotate: [6, 4, 2],
  multiplyAdd: [6, 4, 2],
  squareRelin: [5, 3],
  square: [5, 3],
  relinearize: [5, 3],
  rescale: [6, 5, 4, 3, 2],
  kernelTerm: [6, 5],
  serialize: [6, 5],
  encodeVector: [6, 5, 4, 3, 2, 1],
  encodeConstant: [4, 2],
  load: [6],
  loadGaloisKey: [6],
};

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Times every costed operation `reps` times per level on fresh throwaway keys. */
export function calibrateOpCosts(seal: Seal, ckks: CkksContext, reps = 5): OpCosts {
  const topLevel = ckks.preset.coeffModulusBits.length - 1;
  if (topLevel !== 6)
    throw new RangeError(`calibration knows the 6-prime chain, not ${topLevel} primes`);
  const galoisSteps = [1, 2, 3, 4];
  const keys = generateCkksKeys(seal, ckks, galoisSteps);
  const random = mulberry32(7);
  const vector = Float64Array.from({ length: ckks.slotCount }, () => random());
  const evaluator = new seal.Evaluator(ckks.context);
  const encoder = new seal.CKKSEncoder(ckks.context);
  const relinKeys = new seal.RelinKeys();
  const galoisKeys = new seal.GaloisKeys();
  const constants = new ConstantPlaintexts(seal, ckks);
  const linear = new RnsLinear(seal, ckks);
  const owned: Ciphertext[] = [];
  const plaintexts: Plaintext[] = [];
  const ciphertext = () => {
    const ct = new seal.Ciphertext();
    owned.push(ct);
    return ct;
  };
  try {
    relinKeys.loadFromArray(ckks.context, sealInput(keys.evaluation.relinKeys));
    galoisKeys.loadFromArray(ckks.context, sealInput(keys.evaluation.galoisKeys!));
    let stored: Uint8Array;
    {
      using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
      stored = cipher.encryptVector(vector);
    }
    const atLevel = new Map<number, Ciphertext>();
    const top = ciphertext();
    top.loadFromArray(ckks.context, sealInput(stored));
    atLevel.set(topLevel, top);
    for (let level = topLevel - 1; level >= 1; level--) {
      const next = ciphertext();
      evaluator.cipherModSwitchToNext(atLevel.get(level + 1)!, next);
      atLevel.set(level, next);
    }
    const time = (run: () => void): number => {
      run(); // warm-up: first calls allocate
      const samples: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        run();
        samples.push(performance.now() - t0);
      }
      return median(samples);
    };
    const result: Record<string, Record<number, number>> = {};
    const measure = (op: keyof OpCosts, at: (level: number, ct: Ciphertext) => () => void) => {
      result[op] = Object.fromEntries(
        LEVELS[op].map((level) => [level, round(time(at(level, atLevel.get(level)!)))]),
      );
    };
    const out = ciphertext();
    const acc = ciphertext();
    measure('rotate', (_, ct) => () => evaluator.rotateVector(ct, 1, galoisKeys, out));
    measure('multiplyAdd', (_, ct) => {
      const plaintext = constants.encode(0.37, ct);
      plaintexts.push(plaintext);
      evaluator.multiplyPlain(ct, plaintext, acc);
      return () => {
        evaluator.multiplyPlain(ct, plaintext, out);
        evaluator.addInplace(acc, out);
      };
    });
    measure('squareRelin', (_, ct) => () => {
      evaluator.square(ct, out);
      evaluator.relinearizeInplace(out, relinKeys);
    });
    // A rescale needs a product (scale Δ²) each time: only the rescale is timed.
    result.rescale = Object.fromEntries(
      LEVELS.rescale.map((level) => {
        const ct = atLevel.get(level)!;
        using plaintext = constants.encode(0.5, ct);
        const samples: number[] = [];
        for (let r = 0; r <= reps; r++) {
          evaluator.multiplyPlain(ct, plaintext, out);
          const t0 = performance.now();
          evaluator.rescaleToNextInplace(out);
          if (r > 0) samples.push(performance.now() - t0);
        }
        return [level, round(median(samples))];
      }),
    );
    measure('square', (_, ct) => () => evaluator.square(ct, out));
    // A relinearisation needs a three-polynomial ciphertext each time: only it is timed.
    result.relinearize = Object.fromEntries(
      LEVELS.relinearize.map((level) => {
        const samples: number[] = [];
        for (let r = 0; r <= reps; r++) {
          evaluator.square(atLevel.get(level)!, out);
          const t0 = performance.now();
          evaluator.relinearizeInplace(out, relinKeys);
          if (r > 0) samples.push(performance.now() - t0);
        }
        return [level, round(median(samples))];
      }),
    );
    // The kernel: one 32-row × 64-unit combination (between conv's 16 units and fc1's
    // 128), per weight and polynomial.
    const rows = 32;
    const units = 64;
    measure('kernelTerm', (_, ct) => {
      const raw = linear.save(ct);
      return () => {
        using combination = linear.combination(units, { blockRows: rows });
        for (let r = 0; r < rows; r++) combination.push(raw, (u) => 0.01 * (u + r + 1));
        combination.finish(() => {});
      };
    });
    result.kernelTerm = Object.fromEntries(
      Object.entries(result.kernelTerm!).map(([level, ms]) => [
        level,
        round(ms / (rows * units * 2)),
      ]),
    );
    // One uncompressed save and one load, per polynomial (each crossing is one of them).
    measure('serialize', (_, ct) => () => linear.load(linear.save(ct)).delete());
    result.serialize = Object.fromEntries(
      Object.entries(result.serialize!).map(([level, ms]) => [level, round(ms / 4)]),
    );
    measure('encodeVector', (_, ct) => () => {
      using plaintext = new seal.Plaintext();
      encoder.encode(vector, ckks.scale, plaintext);
      using parmsId = ct.parmsId();
      evaluator.plainModSwitchToInplace(plaintext, parmsId);
    });
    measure('encodeConstant', (_, ct) => () => constants.encode(0.37, ct).delete());
    measure('load', () => () => out.loadFromArray(ckks.context, sealInput(stored)));
    // Per rotation step: a Galois key set is one key-switching key per step.
    const galoisBytes = keys.evaluation.galoisKeys!;
    using loaded = new seal.GaloisKeys();
    result.loadGaloisKey = {
      [topLevel]: round(
        time(() => loaded.loadFromArray(ckks.context, sealInput(galoisBytes))) / galoisSteps.length,
      ),
    };
    return result as unknown as OpCosts;
  } finally {
    keys.secretKey.fill(0);
    for (const ct of owned) ct.delete();
    for (const plaintext of plaintexts) plaintext.delete();
    constants[Symbol.dispose]();
    linear[Symbol.dispose]();
    for (const handle of [galoisKeys, relinKeys, encoder, evaluator]) handle.delete();
  }
}

const round = (ms: number) => Number(ms.toPrecision(3));
