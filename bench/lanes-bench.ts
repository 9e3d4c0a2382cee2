// The throughput layout (lanes) in the `he` benchmark: full 4096-lane batches of
// NEU-CLS feature chunks, one batch per core, against the float64 network.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { processImage } from '../src-main/engine/image/index.ts';
import type { Seal } from '../src-main/engine/he/seal-runtime.ts';
import type { CkksContext } from '../src-main/engine/he/ckks-presets.ts';
import { CkksChunkCipher } from '../src-main/engine/he/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../src-main/engine/he/chunk-packing.ts';
import { packLanes, sumLaneScores } from '../src-main/engine/he/lane-packing.ts';
import { LaneEvaluator } from '../src-main/engine/he/lane-evaluator.ts';
import type { EvaluatorSetup } from '../src-main/engine/he/encrypted-evaluator.ts';
import { sumProfiles } from '../src-main/engine/he/encrypted-evaluator.ts';
import { decryptSlots } from '../src-main/engine/he/result-decryption.ts';
import { aggregateImage, argmax, forwardChunk } from '../src-main/engine/nn/chunk-cnn.ts';
import { neuImages } from '../test/helpers/fixtures.ts';

export async function runLanesBench(
  seal: Seal,
  ckks: CkksContext,
  setup: EvaluatorSetup,
  secretKey: Uint8Array,
  log: (line: string) => void,
) {
  const batches = availableParallelism();
  // Fill `batches` batches of 4096 lanes with whole images (an image's chunks are contiguous lanes).
  const images: Array<{ chunks: Uint8Array[] }> = [];
  const batchImages: Array<Array<{ first: number; count: number; index: number }>> = [[]];
  let lane = 0;
  for (const { file } of await neuImages(240, 0)) {
    const processed = await processImage(await readFile(file), file, {});
    const chunks = processed.chunks.filter((c) => c.isFeature).map((c) => c.pixels);
    if (lane + chunks.length > ckks.slotCount) {
      if (batchImages.length === batches) break;
      batchImages.push([]);
      lane = 0;
    }
    batchImages[batchImages.length - 1]!.push({
      first: lane,
      count: chunks.length,
      index: images.length,
    });
    images.push({ chunks });
    lane += chunks.length;
  }
  log(`lanes: encrypting ${batchImages.length} batches of 784 ciphertexts (key holder)`);
  using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, secretKey);
  const encryptStarted = performance.now();
  const inputs = batchImages.map((group) => {
    const chunks = group.flatMap((g) => images[g.index]!.chunks);
    return packLanes(chunks, ckks.slotCount).map((v) => cipher.encryptVector(v));
  });
  const encryptSeconds = (performance.now() - encryptStarted) / 1000;
  const evaluator = new LaneEvaluator(setup, { workers: batches });
  try {
    log(`lanes: evaluating ${batchImages.length} batches on ${batches} workers`);
    const started = performance.now();
    const results = await Promise.all(
      inputs.map((batch) => evaluator.evaluateBatch({ inputs: batch })),
    );
    const wall = (performance.now() - started) / 1000;
    let chunks = 0;
    let agreeChunks = 0;
    let agreeImages = 0;
    let imageCount = 0;
    let maxAbsError = 0;
    results.forEach((result, b) => {
      const slots = result.results.map((bytes) => decryptSlots(seal, ckks, secretKey, bytes));
      for (const image of batchImages[b]!) {
        const expected = images[image.index]!.chunks.map(
          (c) =>
            forwardChunk(
              setup.weights,
              Float64Array.from(c, (v) => v / 255),
            ).scores,
        );
        expected.forEach((want, k) => {
          const got = sumLaneScores(
            slots,
            image.first + k,
            1,
            setup.weights.fc2Bias,
            setup.scoreScale,
          );
          got.forEach((v, c) => (maxAbsError = Math.max(maxAbsError, Math.abs(v - want[c]!))));
          if (argmax(got) === argmax(want)) agreeChunks++;
          chunks++;
        });
        const got = sumLaneScores(
          slots,
          image.first,
          image.count,
          setup.weights.fc2Bias,
          setup.scoreScale,
        );
        if (argmax(got) === argmax(aggregateImage(expected))) agreeImages++;
        imageCount++;
      }
    });
    const profile = sumProfiles(results.map((r) => r.profileMs));
    const total = Object.values(profile).reduce((a, b) => a + b, 0);
    return {
      layout:
        'lanes: one chunk per slot, 784 ciphertexts per 4096-lane batch (engine only: not yet a vault storage layout)',
      batches: batchImages.length,
      images: imageCount,
      chunks,
      chunksPerSecond: Number((chunks / wall).toFixed(2)),
      secondsPerBatch: Number(wall.toFixed(1)),
      keyHolderEncryptSeconds: Number(encryptSeconds.toFixed(1)),
      agreement: Number((agreeImages / imageCount).toFixed(4)),
      chunkAgreement: Number((agreeChunks / chunks).toFixed(4)),
      maxAbsError: Number(maxAbsError.toExponential(2)),
      profile: Object.fromEntries(
        Object.entries(profile)
          .sort(([, a], [, b]) => b - a)
          .map(([op, ms]) => [
            op,
            { seconds: Number((ms / 1000).toFixed(1)), share: Number((ms / total).toFixed(3)) },
          ]),
      ),
    };
  } finally {
    await evaluator.close();
  }
}
