// One measured classify of the `he` benchmark, in a process of its own: images imported
// into a fresh vault in one layout, then `classifyVault` — what `sealsight classify`
// runs — timed end to end from the stored ciphertexts to the decrypted, stored classes.
// Its own process so that its peak RSS (the kernel's high-water mark, evaluation threads
// included) is this classify's alone: SEAL's wasm heaps never shrink, so a shared process
// would carry one phase's peak into the next. Prints one JSON document on stdout.
//
// Run by he-bench.ts: node bench/he-phase.ts '<PhaseRequest as JSON>'
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  classifyVault,
  importFolderWithLayout,
  initVault,
  openVault,
} from '../src-main/engine/index.ts';
import { localEvaluation } from '../src-main/engine/sealed/inference/evaluation-backend.ts';
import type { EvaluationBackend } from '../src-main/engine/sealed/inference/evaluation-backend.ts';
import { sumProfiles } from '../src-main/engine/sealed/inference/encrypted-evaluator.ts';
import { ckksPresetById } from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { packedCnnRotationSteps } from '../src-main/engine/sealed/layouts/blocks/packed-cnn-plan.ts';
import {
  costModelInput,
  predictBlocks,
  predictLanes,
} from '../src-main/engine/sealed/layouts/cost-model.ts';
import type { OpCosts } from '../src-main/engine/sealed/layouts/cost-model.ts';
import { loadModel } from '../src-main/engine/sealed/model/model-file.ts';
import { argmax } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import { benchImages, chunkCount, plaintextScores, writeLabelledFolder } from './he-images.ts';

export interface PhaseRequest {
  readonly name: string;
  readonly layout: 'blocks' | 'lanes';
  readonly modelFile: string;
  readonly dataDir: string;
  /** Which of benchImages(dataDir, perClass)'s images: [from, to). */
  readonly perClass: number;
  readonly from: number;
  readonly to: number;
  readonly workers: number;
  readonly costs: OpCosts;
  readonly scratch: string;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** Sums the evaluation threads' per-operation profiles of everything classify hands them. */
function profiled(backend: EvaluationBackend) {
  const profiles: Array<Record<string, number>> = [];
  const wrapped: EvaluationBackend = {
    where: backend.where,
    async blocks(setup, ids) {
      const inner = await backend.blocks(setup, ids);
      return {
        ...inner,
        evaluate: async (images, signal) => {
          const results = await inner.evaluate(images, signal);
          for (const r of results) profiles.push(r.profileMs);
          return results;
        },
        close: () => inner.close(),
      };
    },
    async lanes(setup, ids) {
      const inner = await backend.lanes(setup, ids);
      return {
        schedule: (batches) => inner.schedule(batches),
        evaluateBatch: async (inputs, options) => {
          const result = await inner.evaluateBatch(inputs, options);
          profiles.push(result.profileMs);
          return result;
        },
        close: () => inner.close(),
      };
    },
  };
  return { backend: wrapped, profile: () => sumProfiles(profiles) };
}

export async function runPhase(request: PhaseRequest) {
  const log = (line: string) => process.stderr.write(`bench he: ${request.name}: ${line}\n`);
  const model = await loadModel(request.modelFile);
  const images = (await benchImages(request.dataDir, request.perClass)).slice(
    request.from,
    request.to,
  );
  const dir = path.join(request.scratch, request.name.replace(/[^a-z0-9]+/gi, '-'));
  await mkdir(dir, { recursive: true });
  const folder = path.join(dir, 'in');
  await writeLabelledFolder(folder, images);
  const vaultDir = path.join(dir, 'vault');
  await initVault(vaultDir, 'bench passphrase', { kdf: { logN: 14 } });
  const vault = await openVault(vaultDir, 'bench passphrase');
  try {
    const imported = await importFolderWithLayout(vault, folder, {
      labelsFromFolders: true,
      layout: request.layout,
    });
    if (imported.report.failed.length > 0)
      throw new Error(`import failed: ${JSON.stringify(imported.report.failed[0])}`);
    const batches = vault.catalogue.read.laneBatches.storedBytes().batches;
    if ((request.layout === 'lanes') !== batches > 0)
      throw new Error(`asked for ${request.layout}, the import stored ${batches} lane batches`);
    const preset = ckksPresetById(vault.currentKeyset().evaluation.presetId);
    const costInput = costModelInput(model, preset, request.costs, request.workers);
    const { plans } = costInput;
    // Galois keys are made once per vault, on its first blocks classify: timed apart.
    let galoisKeySeconds = 0;
    if (request.layout === 'blocks') {
      const t0 = performance.now();
      await vault.ensureGaloisKeys(packedCnnRotationSteps(plans));
      galoisKeySeconds = (performance.now() - t0) / 1000;
    }
    log(`${images.length} images, ${chunkCount(images)} feature chunks; classifying`);
    const recorder = profiled(localEvaluation({ workers: request.workers }));
    const t0 = performance.now();
    const report = await classifyVault(vault, { model, evaluation: recorder.backend });
    const seconds = (performance.now() - t0) / 1000;
    if (report.failed.length > 0) throw new Error(`classify failed: ${report.failed[0]!.reason}`);

    const expected = plaintextScores(model.weights, images);
    let agree = 0;
    let correct = 0;
    let plainCorrect = 0;
    let maxAbsError = 0;
    for (const item of report.classified) {
      const want = expected.get(item.name)!;
      item.scores.forEach((v, c) => (maxAbsError = Math.max(maxAbsError, Math.abs(v - want[c]!))));
      if (item.classIndex === argmax(want)) agree++;
      if (item.predicted === item.label) correct++;
      if (model.file.classes[argmax(want)] === item.label) plainCorrect++;
    }
    const chunksPerImage = images.map((image) => image.chunks.length);
    const predicted =
      request.layout === 'blocks'
        ? predictBlocks(costInput, chunksPerImage)
        : predictLanes(costInput, chunksPerImage, batches);
    const profile = recorder.profile();
    const profileTotal = Object.values(profile).reduce((a, b) => a + b, 0);
    const chunks = report.classified.reduce((n, item) => n + item.chunksUsed, 0);
    return {
      name: request.name,
      layout: request.layout,
      workers: request.workers,
      images: report.classified.length,
      /** Files the import left out as byte-identical to one already stored. */
      duplicatesSkipped: images.length - report.classified.length,
      featureChunks: chunks,
      ...(request.layout === 'lanes' ? { laneBatches: batches } : { ciphertexts: predicted.units }),
      seconds: round(seconds, 2),
      secondsPerImage: round(seconds / report.classified.length, 3),
      chunksPerSecond: round(chunks / seconds, 2),
      predictedSeconds: round(predicted.seconds, 2),
      predictedOverMeasured: round(predicted.seconds / seconds, 3),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      agreement: round(agree / report.classified.length, 4),
      accuracy: {
        encrypted: round(correct / report.classified.length, 4),
        plaintext: round(plainCorrect / report.classified.length, 4),
      },
      maxAbsError: Number(maxAbsError.toExponential(2)),
      galoisKeySeconds: round(galoisKeySeconds, 2),
      importSeconds: round(imported.report.seconds, 2),
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
    vault.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const request = JSON.parse(process.argv[2]!) as PhaseRequest;
  process.stdout.write(`${JSON.stringify(await runPhase(request))}\n`);
}
