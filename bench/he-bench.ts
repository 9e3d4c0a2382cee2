// `npm run bench -- he`: the packed CKKS engine against the float64 network and the
// TenSEAL-style baseline, measured in one run on the same NEU-CLS images; then the
// lanes layout measured from a second vault that stores it (lanes-bench.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { importFolder, initVault, openVault } from '../src-main/engine/index.ts';
import { listImageRows, storedBytes } from '../src-main/engine/vault/image-store.ts';
import {
  decryptChunkGrid,
  decryptMeta,
  readVerifiedCiphertexts,
} from '../src-main/engine/vault/read-image.ts';
import { evaluatorSetup } from '../src-main/engine/vault/classify.ts';
import { EncryptedEvaluator, sumProfiles } from '../src-main/engine/he/encrypted-evaluator.ts';
import { loadSeal } from '../src-main/engine/he/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../src-main/engine/he/ckks-presets.ts';
import { packedCnnRotationSteps, planPackedCnn } from '../src-main/engine/he/packed-cnn-plan.ts';
import { decryptScores } from '../src-main/engine/he/result-decryption.ts';
import { scoreScaleFor } from '../src-main/engine/he/he-safety.ts';
import { TensealStyleBaseline } from '../src-main/engine/he/baseline/tenseal-style.ts';
import {
  aggregateImage,
  argmax,
  forwardChunk,
  PAPER_ARCHITECTURE,
  randomChunkCnn,
} from '../src-main/engine/nn/chunk-cnn.ts';
import { measureActivationRanges } from '../src-main/engine/nn/activation-ranges.ts';
import { parseModel, serializeModel } from '../src-main/engine/nn/model-file.ts';
import { NEU_CLASSES } from '../src-shared/domain/classes.ts';
import { imagesPerClass, labelledFolder } from '../test/helpers/fixtures.ts';
import { NEU_DIR } from './bench-options.ts';
import { runStoredLanesBench } from './lanes-bench.ts';

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

export async function runHeBench() {
  const perClass = Number(process.env.SEALSIGHT_BENCH_PER_CLASS ?? 8);
  const baselineChunks = Number(process.env.SEALSIGHT_BENCH_BASELINE_CHUNKS ?? 2);
  const dir = await mkdtemp(path.join(tmpdir(), 'sealsight-he-bench-'));
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const log = (line: string) => process.stderr.write(`bench he: ${line}\n`);
  try {
    const images = await imagesPerClass(NEU_DIR, perClass, 100);
    await labelledFolder(path.join(dir, 'in'), images);
    const vaultDir = path.join(dir, 'vault');
    await initVault(vaultDir, 'bench passphrase', { kdf: { logN: 14 } });
    const vault = await openVault(vaultDir, 'bench passphrase');
    await importFolder(vault, path.join(dir, 'in'), { labelsFromFolders: true });
    const rows = listImageRows(vault.db);
    const signed = (row: (typeof rows)[number]) => decryptMeta(vault, row).layout.signedIndices;
    const featureCount = (row: (typeof rows)[number]) => signed(row).filter((i) => i > 0).length;

    // Feature chunks as the network sees them (decrypted by the key holder: the oracle's input).
    const chunksOf = new Map<string, Float64Array[]>();
    for (const row of rows) {
      const grid = await decryptChunkGrid(vault, row.uid);
      chunksOf.set(
        row.uid,
        signed(row).flatMap((index, p) =>
          index > 0 ? [Float64Array.from(grid[p]!, (v) => v / 255)] : [],
        ),
      );
    }
    // No trained model ships yet: random weights with ranges measured on these chunks.
    const weights = randomChunkCnn(PAPER_ARCHITECTURE, 1);
    const ranges = measureActivationRanges(weights, [...chunksOf.values()].flat());
    const model = parseModel(
      serializeModel(weights, {
        classes: NEU_CLASSES,
        threshold: 100,
        minFeatureChunks: 0,
        activationRanges: ranges,
      }),
      'bench',
    );
    const keyset = vault.currentKeyset();
    const preset = ckksPresetById(keyset.evaluation.presetId);
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, preset);
    const scoreScale = scoreScaleFor(ranges, preset);
    const plan = planPackedCnn(weights, ckks.slotCount, { scoreScale });
    const galoisStarted = performance.now();
    const evalKeyset = await vault.ensureGaloisKeys(packedCnnRotationSteps(plan));
    const galoisSeconds = (performance.now() - galoisStarted) / 1000;
    const secretKey = vault.unwrapCkksSecretKey(keyset.id);
    const workers = availableParallelism();
    const evaluator = await EncryptedEvaluator.create(
      evaluatorSetup(evalKeyset, model, rows[0]!.packingId, scoreScale),
      { workers },
    );
    const toJob = (row: (typeof rows)[number]) => ({
      id: row.uid,
      ...readVerifiedCiphertexts(vault, row),
      featureChunks: featureCount(row),
    });
    try {
      log(`warm-up (${workers} workers encode the model's plaintexts)`);
      await evaluator.evaluateImage(toJob(rows[0]!));

      log(`throughput over ${rows.length} images`);
      const started = performance.now();
      const results = await evaluator.evaluate(rows.map(toJob));
      const wall = (performance.now() - started) / 1000;
      const totalChunks = rows.reduce((s, r) => s + featureCount(r), 0);

      let agreeImages = 0;
      let maxAbsError = 0;
      results.forEach((result, i) => {
        const he = decryptScores(seal, ckks, plan, secretKey, result.result);
        const expected = aggregateImage(
          chunksOf.get(rows[i]!.uid)!.map((c) => forwardChunk(weights, c).scores),
        );
        he.forEach((v, c) => (maxAbsError = Math.max(maxAbsError, Math.abs(v - expected[c]!))));
        if (argmax(he) === argmax(expected)) agreeImages++;
      });

      log('chunk-level agreement on a sample');
      let agreeChunks = 0;
      let chunkCount = 0;
      for (const row of rows.slice(0, Math.min(rows.length, 12))) {
        const parts = await evaluator.evaluateChunks(toJob(row));
        const chunks = chunksOf.get(row.uid)!;
        chunks.forEach((chunk, k) => {
          const he = decryptScores(seal, ckks, plan, secretKey, parts[Math.floor(k / 4)]!, k % 4);
          const expected = forwardChunk(weights, chunk).scores;
          he.forEach((v, c) => (maxAbsError = Math.max(maxAbsError, Math.abs(v - expected[c]!))));
          if (argmax(he) === argmax(expected)) agreeChunks++;
          chunkCount++;
        });
      }

      log('single image latency (16 feature chunks, warm evaluator)');
      const single = rows.reduce((best, r) => (featureCount(r) > featureCount(best) ? r : best));
      const latencies: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        const t0 = performance.now();
        const result = await evaluator.evaluateImage(toJob(single)); // read + MAC check included
        argmax(decryptScores(seal, ckks, plan, secretKey, result.result));
        latencies.push((performance.now() - t0) / 1000);
      }
      latencies.sort((a, b) => a - b);

      log(`TenSEAL-style baseline on ${baselineChunks} chunk(s)`);
      using baseline = new TensealStyleBaseline(seal, weights);
      const sample = chunksOf.get(single.uid)!.slice(0, baselineChunks);
      let baselineSeconds = 0;
      let baselineRotations = 0;
      let baselineKeySwitches = 0;
      for (const chunk of sample) {
        const r = baseline.classifyChunk(chunk);
        baselineSeconds += r.seconds;
        baselineRotations += r.rotations;
        baselineKeySwitches += r.keySwitches;
      }
      const referenceChunksPerSecond = sample.length / baselineSeconds;
      const lanes =
        process.env.SEALSIGHT_BENCH_LANES === '0'
          ? 'skipped (SEALSIGHT_BENCH_LANES=0)'
          : await runStoredLanesBench(model, dir, log);
      const chunksPerSecond = totalChunks / wall;
      const profile = sumProfiles(results.map((r) => r.profileMs));
      const profileTotal = Object.values(profile).reduce((a, b) => a + b, 0);
      const bytes = storedBytes(vault.db);
      return {
        benchmark: 'he',
        cores: workers,
        preset: preset.id,
        model:
          'random weights (seed 1), activation ranges measured on these images; no trained model yet',
        scoreScale: round(scoreScale, 4),
        images: rows.length,
        featureChunks: totalChunks,
        chunksPerSecond: round(chunksPerSecond, 2),
        /** The stored lanes layout, classified from a vault (details under `lanes`). */
        lanesChunksPerSecond: typeof lanes === 'string' ? null : lanes.chunksPerSecond,
        singleImageSeconds: round(latencies[1]!, 3),
        singleImageChunks: featureCount(single),
        referenceChunksPerSecond: round(referenceChunksPerSecond, 4),
        speedup: round(chunksPerSecond / referenceChunksPerSecond, 1),
        speedupPerCore: round(chunksPerSecond / workers / referenceChunksPerSecond, 1),
        bytesPerImage: Math.round(bytes.ckks / bytes.images),
        peakRssMB: round(peakRss / 2 ** 20, 0),
        agreement: round(agreeImages / rows.length, 4),
        chunkAgreement: round(agreeChunks / chunkCount, 4),
        chunksCompared: chunkCount,
        maxAbsError: Number(maxAbsError.toExponential(2)),
        perCiphertext: {
          rotations:
            plan.conv.rotations +
            plan.fc1.rotations +
            plan.fc2.rotations +
            plan.blockSumSteps.length,
          multiplyPlain:
            plan.conv.multiplications + plan.fc1.multiplications + plan.fc2.multiplications,
          layers: Object.fromEntries(
            [plan.conv, plan.fc1, plan.fc2].map((l) => [
              l.name,
              { rotations: l.rotations, multiplyPlain: l.multiplications },
            ]),
          ),
        },
        galoisKeys: {
          steps: evalKeyset.evaluation.galoisSteps.length,
          bytes: evalKeyset.evaluation.galoisKeys!.length,
          generationSeconds: round(galoisSeconds, 2),
        },
        baseline: {
          chunks: sample.length,
          secondsPerChunk: round(baselineSeconds / sample.length, 2),
          rotationsPerChunk: baselineRotations / sample.length,
          keySwitchesPerChunk: baselineKeySwitches / sample.length,
        },
        lanes,
        profile: Object.fromEntries(
          Object.entries(profile)
            .sort(([, a], [, b]) => b - a)
            .map(([op, ms]) => [
              op,
              { seconds: round(ms / 1000, 2), share: round(ms / profileTotal, 3) },
            ]),
        ),
      };
    } finally {
      secretKey.fill(0);
      await evaluator.close();
      vault.close();
    }
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}
