// `npm run bench -- fidelity [--targets 16,0] [--rounds R]`: what the conv gains
// (packed-cnn-plan.ts) buy. The shipped model runs in the blocks layout once per conv
// gain target on the same ciphertexts under the same fresh keys (16: as shipped; 0:
// every gain 1), and each result is compared with the float64 reference. Same keys and
// inputs: the differences between the columns are the gains alone. `--rounds R` repeats
// with new keys (the error depends on them). One thread; SEALSIGHT_BENCH_PER_CLASS
// images per class (default 4) from the development set.
import path from 'node:path';
import { loadSeal } from '../src-main/engine/sealed/ckks/seal-runtime.ts';
import {
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { generateCkksKeys } from '../src-main/engine/sealed/ckks/ckks-keys.ts';
import { CkksChunkCipher } from '../src-main/engine/sealed/layouts/blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../src-main/engine/sealed/layouts/blocks/chunk-packing.ts';
import {
  CONV_GAIN_TARGET,
  packedCnnRotationSteps,
  planPackedEnsemble,
} from '../src-main/engine/sealed/layouts/blocks/packed-cnn-plan.ts';
import type { PackedCnnPlan } from '../src-main/engine/sealed/layouts/blocks/packed-cnn-plan.ts';
import { PackedCnnEngine } from '../src-main/engine/sealed/layouts/blocks/packed-cnn-engine.ts';
import { decryptScores } from '../src-main/engine/sealed/inference/result-decryption.ts';
import { assertHeSafe, scoreScaleFor } from '../src-main/engine/sealed/ckks/he-safety.ts';
import { aggregateImage, argmax } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import { referenceChunkScores } from '../src-main/engine/sealed/train/evaluate-chunk-cnn.ts';
import { loadModel } from '../src-main/engine/sealed/model/model-file.ts';
import { loadLabelledFolder } from '../src-main/engine/sealed/train/labelled-folder.ts';
import { REPO_ROOT } from '../test/helpers/fixtures.ts';
import { NEU_DIR, option } from './bench-options.ts';

interface ErrorTally {
  squares: number;
  count: number;
  max: number;
  agree: number;
}

export async function runFidelityBench() {
  const perClass = Number(process.env.SEALSIGHT_BENCH_PER_CLASS ?? 4);
  const rounds = Number(option('rounds', '1'));
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError('--rounds must be ≥ 1');
  const modelFile = path.join(REPO_ROOT, 'assets', 'models', 'neu-chunk-cnn.json');
  const model = await loadModel(modelFile);
  const preset = DEFAULT_CKKS_PRESET;
  assertHeSafe(model.file.activationRanges, preset, modelFile);
  const scoreScale = scoreScaleFor(model.file.activationRanges, preset);
  const folder = await loadLabelledFolder(NEU_DIR, {
    threshold: model.file.preprocessing.threshold,
    minFeatureChunks: model.file.preprocessing.minFeatureChunks ?? 0,
    classes: model.file.classes,
  });
  const taken = new Map<number, number>();
  const images = folder.images.filter((image) => {
    const n = taken.get(image.classIndex) ?? 0;
    taken.set(image.classIndex, n + 1);
    return n < perClass;
  });
  const features = images.map((image) => image.chunks.filter((_, p) => image.isFeature[p]));
  const reference = features.map((chunks) =>
    aggregateImage(referenceChunkScores(model.weights, chunks)),
  );

  const seal = await loadSeal();
  using ckks = createCkksContext(seal, preset);
  const targets = option('targets', `${CONV_GAIN_TARGET},0`).split(',').map(Number);
  if (targets.some((t) => !(t >= 0))) throw new RangeError('--targets: numbers ≥ 0, e.g. 16,0');
  const variants = Object.fromEntries(
    targets.map((target) => [
      `target${target}`,
      planPackedEnsemble(model.weights, ckks.slotCount, { scoreScale, convGainTarget: target }),
    ]),
  );
  const tallies = Object.fromEntries(targets.map((target) => [`target${target}`, emptyTally()]));
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    // The rotation steps depend on the architecture only, not on the gains.
    const keys = generateCkksKeys(seal, ckks, packedCnnRotationSteps(Object.values(variants)[0]!));
    const evaluation = {
      relinKeys: keys.evaluation.relinKeys,
      galoisKeys: keys.evaluation.galoisKeys!,
    };
    try {
      using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey, {
        compress: false,
      });
      for (const [name, plans] of Object.entries(variants)) {
        using engine = new PackedCnnEngine(seal, ckks, plans, evaluation);
        features.forEach((chunks, i) => {
          const result = inferImage(engine, cipher.encryptChunks(chunks), chunks.length);
          const scores = decryptScores(seal, ckks, plans[0]!, keys.secretKey, result);
          tally(tallies[name]!, scores, reference[i]!);
          process.stderr.write(
            `bench fidelity: round ${round + 1}, ${name}, image ${i + 1}/${images.length}\n`,
          );
        });
      }
    } finally {
      keys.secretKey.fill(0);
    }
  }
  const summary = (t: ErrorTally) => ({
    rmsImageScoreError: Number(Math.sqrt(t.squares / t.count).toPrecision(3)),
    maxImageScoreError: Number(t.max.toPrecision(3)),
    agreement: t.agree / (images.length * rounds),
  });
  const gainRange = (plans: PackedCnnPlan[]) => {
    const gains = plans.flatMap((plan) => Array.from(plan.convGains));
    return [Math.min(...gains), Math.max(...gains)].map((g) => Number(g.toPrecision(3)));
  };
  const result = {
    model: path.relative(REPO_ROOT, modelFile),
    preset: preset.id,
    layout: 'blocks',
    images: images.length,
    featureChunks: features.reduce((n, chunks) => n + chunks.length, 0),
    rounds,
    scoreScale: Number(scoreScale.toPrecision(3)),
    variants: Object.fromEntries(
      Object.entries(variants).map(([name, plans]) => [
        name,
        { convGainRange: gainRange(plans), ...summary(tallies[name]!) },
      ]),
    ),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  return result;
}

/** An image's ciphertexts through the engine, their block sums added: one result. */
function inferImage(
  engine: PackedCnnEngine,
  ciphertexts: Uint8Array[],
  chunks: number,
): Uint8Array {
  const per = BLOCK_PACKING_1024.chunksPerCiphertext;
  let total: ReturnType<PackedCnnEngine['inferCiphertext']> | null = null;
  ciphertexts.forEach((bytes, k) => {
    using input = engine.load(bytes);
    const output = engine.inferCiphertext(input, Math.min(per, chunks - k * per), {
      sumBlocks: true,
    });
    if (total) {
      engine.addInplace(total, output);
      output.delete();
    } else total = output;
  });
  using result = total!;
  return engine.serialize(result);
}

function emptyTally(): ErrorTally {
  return { squares: 0, count: 0, max: 0, agree: 0 };
}

function tally(t: ErrorTally, got: Float64Array, want: Float64Array): void {
  got.forEach((v, c) => {
    const d = v - want[c]!;
    t.squares += d * d;
    t.count++;
    t.max = Math.max(t.max, Math.abs(d));
  });
  if (argmax(got) === argmax(want)) t.agree++;
}
