// A narrow random ensemble model file for the tests that classify through an evaluation
// farm from the app: two members of one channel (kernel 7, stride 7 → 4×4, 4 hidden
// units), merged, with activation ranges measured on the images the test classifies. Its
// encrypted pass takes a fraction of a second per image, so a farm test spends its time on
// the farm (broker, nodes, jobs), not on the network. It carries a 4-row search head, so
// the farm computes sealed embeddings too.
import { writeFile } from 'node:fs/promises';
import { NEU_CLASSES } from '../../src-shared/domain/classes.ts';
import { measureActivationRanges } from '../../src-main/engine/sealed/model/activation-ranges.ts';
import { randomChunkCnn } from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { mergeEnsemble } from '../../src-main/engine/sealed/model/chunk-cnn-ensemble.ts';
import { serializeModel } from '../../src-main/engine/sealed/model/model-file.ts';
import { fitEmbeddingHead } from '../../src-main/engine/sealed/model/embedding-head.ts';
import { featureChunks } from './models.ts';

const MEMBER = { inputSize: 28, channels: 1, kernel: 7, stride: 7, hidden: 4, classes: 6 };

/** Writes the model to `file`, calibrated on `images` (files the test will classify). */
export async function writeNarrowEnsembleModel(
  file: string,
  images: readonly string[],
): Promise<void> {
  const weights = mergeEnsemble([randomChunkCnn(MEMBER, 3), randomChunkCnn(MEMBER, 4)]);
  const chunks = await featureChunks(images);
  const activationRanges = measureActivationRanges(weights, chunks.flat());
  // featureChunks gives pixels / 255; the head is fitted on stored pixels (0–255).
  const pooled = chunks.map((c) => ({
    chunks: c.map((chunk) => chunk.map((v) => v * 255)),
    isFeature: c.map(() => true),
  }));
  const { head } = fitEmbeddingHead(weights, pooled, activationRanges, 4);
  await writeFile(
    file,
    serializeModel(weights, {
      classes: NEU_CLASSES,
      threshold: 100,
      minFeatureChunks: 0,
      activationRanges,
      embeddingHead: { head, fittedOn: { kind: 'the test images' } },
      provenance: { kind: 'random weights for tests', seed: 3 },
    }),
  );
}
