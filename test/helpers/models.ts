// Model files for tests: random-weight chunk CNNs with activation ranges measured on
// real NEU-CLS chunks, as a trained model file would carry them.
import { readFile, writeFile } from 'node:fs/promises';
import { NEU_CLASSES } from '../../src-shared/domain/classes.ts';
import { processImage } from '../../src-main/engine/image/index.ts';
import {
  PAPER_ARCHITECTURE,
  randomChunkCnn,
} from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { measureActivationRanges } from '../../src-main/engine/sealed/model/activation-ranges.ts';
import { serializeModel } from '../../src-main/engine/sealed/model/model-file.ts';
import type { ActivationRanges } from '../../src-main/engine/sealed/model/model-file.ts';

export async function featureChunks(files: readonly string[]): Promise<Float64Array[][]> {
  const out: Float64Array[][] = [];
  for (const file of files) {
    const processed = await processImage(await readFile(file), file, {});
    out.push(
      processed.chunks
        .filter((c) => c.isFeature)
        .map((c) => Float64Array.from(c.pixels, (v) => v / 255)),
    );
  }
  return out;
}

export async function writeRandomModel(
  file: string,
  seed: number,
  calibration: readonly string[],
  overrideRanges?: Partial<ActivationRanges>,
): Promise<void> {
  const weights = randomChunkCnn(PAPER_ARCHITECTURE, seed);
  const ranges = measureActivationRanges(weights, (await featureChunks(calibration)).flat());
  await writeFile(
    file,
    serializeModel(weights, {
      classes: NEU_CLASSES,
      threshold: 100,
      minFeatureChunks: 0,
      activationRanges: { ...ranges, ...overrideRanges },
      provenance: { kind: 'random weights for tests', seed },
    }),
  );
}
