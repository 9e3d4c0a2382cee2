// The throughput layout (lanes) in the `he` benchmark, measured FROM A VAULT: a NEU-CLS
// subset that fills exactly one lane batch per core is imported into a fresh vault with
// the default layout choice (≥ LANES_MIN_IMAGES new images → lanes), then `classifyVault`
// — the code `sealsight classify` runs — is timed over it end to end (read + MAC checks,
// evaluation on the workers, decryption, per-image lane sums, encrypted result storage).
// Agreement is against the float64 network on the same images' feature chunks.
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { processImage } from '../src-main/engine/image/index.ts';
import {
  classifyVault,
  importFolderWithLayout,
  initVault,
  openVault,
} from '../src-main/engine/index.ts';
import { storedBytes } from '../src-main/engine/vault/image-store.ts';
import { laneStoredBytes } from '../src-main/engine/vault/lane-store.ts';
import { ckksPresetById, DEFAULT_CKKS_PRESET } from '../src-main/engine/he/ckks-presets.ts';
import { aggregateImage, argmax, forwardChunk } from '../src-main/engine/nn/chunk-cnn.ts';
import type { LoadedModel } from '../src-main/engine/nn/model-file.ts';
import { imagesPerClass } from '../test/helpers/fixtures.ts';
import { NEU_DIR, option } from './bench-options.ts';

/** Largest chunk count per image (16 chunks): greedy whole-image packing wastes < 16 lanes. */
const MAX_WASTE = 15;

export async function runStoredLanesBench(
  model: LoadedModel,
  dir: string,
  log: (line: string) => void,
) {
  const workers = availableParallelism();
  const slotCount = ckksPresetById(DEFAULT_CKKS_PRESET.id).polyModulusDegree / 2;
  // Images, in whatever order the import workers finish them, pack into `workers` batches
  // when the total is at most workers·slots − (workers − 1)·MAX_WASTE (each cut wastes
  // < 16 lanes); one batch per core is what classify runs in parallel.
  const budget = workers * slotCount - workers * MAX_WASTE;
  const folder = path.join(dir, 'lanes-in');
  const expected = new Map<string, Float64Array>();
  let lanes = 0;
  const perClass = Number(process.env.SEALSIGHT_BENCH_LANES_PER_CLASS ?? 240);
  // Round-robin over the classes so the subset is balanced.
  const byClass = new Map<string, Array<{ label: string; file: string }>>();
  for (const image of await imagesPerClass(option('data', NEU_DIR), perClass))
    byClass.set(image.label, [...(byClass.get(image.label) ?? []), image]);
  const order = Array.from({ length: perClass }, (_, i) =>
    [...byClass.values()].flatMap((list) => (list[i] ? [list[i]] : [])),
  ).flat();
  for (const { label, file } of order) {
    const bytes = await readFile(file);
    const processed = await processImage(bytes, file, {});
    const chunks = processed.chunks.filter((c) => c.isFeature);
    if (lanes + chunks.length > budget) break;
    lanes += chunks.length;
    await mkdir(path.join(folder, label), { recursive: true });
    await copyFile(file, path.join(folder, label, path.basename(file)));
    expected.set(
      `${label}/${path.basename(file)}`,
      aggregateImage(
        chunks.map(
          (c) =>
            forwardChunk(
              model.weights,
              Float64Array.from(c.pixels, (v) => v / 255),
            ).scores,
        ),
      ),
    );
  }
  log(`lanes (stored): importing ${expected.size} images (${lanes} feature chunks)`);
  const vaultDir = path.join(dir, 'lanes-vault');
  await initVault(vaultDir, 'bench passphrase', { kdf: { logN: 14 } });
  const vault = await openVault(vaultDir, 'bench passphrase');
  try {
    const imported = await importFolderWithLayout(vault, folder, { labelsFromFolders: true });
    if (imported.report.failed.length > 0)
      throw new Error(`lanes bench import failed: ${JSON.stringify(imported.report.failed[0])}`);
    log(
      `lanes (stored): ${imported.storage.laneBatches} batches in ${imported.report.seconds.toFixed(1)} s; classifying on ${workers} workers`,
    );
    const started = performance.now();
    const report = await classifyVault(vault, { model, workers });
    const seconds = (performance.now() - started) / 1000;
    if (report.failed.length > 0)
      throw new Error(`lanes bench classify failed: ${report.failed[0]!.reason}`);
    let agree = 0;
    let maxAbsError = 0;
    let chunks = 0;
    for (const item of report.classified) {
      const want = expected.get(item.name)!;
      item.scores.forEach((v, c) => (maxAbsError = Math.max(maxAbsError, Math.abs(v - want[c]!))));
      if (item.classIndex === argmax(want)) agree++;
      chunks += item.chunksUsed;
    }
    const laneBytes = laneStoredBytes(vault.db);
    const bytes = storedBytes(vault.db);
    return {
      layout:
        'lanes, stored in a vault: one chunk per slot, 784 MAC’d ciphertexts per 4096-lane batch; timed = classifyVault end to end',
      storage: imported.storage,
      images: report.classified.length,
      chunks,
      batches: laneBytes.batches,
      chunksPerSecond: Number((chunks / seconds).toFixed(2)),
      classifySeconds: Number(seconds.toFixed(1)),
      importSeconds: Number(imported.report.seconds.toFixed(1)),
      importImagesPerSecond: Number(imported.report.imagesPerSecond.toFixed(1)),
      agreement: Number((agree / report.classified.length).toFixed(4)),
      maxAbsError: Number(maxAbsError.toExponential(2)),
      bytesPerImage: Math.round(laneBytes.ckks / report.classified.length),
      aesBytesPerImage: Math.round(bytes.aes / bytes.images),
    };
  } finally {
    vault.close();
    await rm(vaultDir, { recursive: true, force: true });
    await rm(folder, { recursive: true, force: true });
  }
}
