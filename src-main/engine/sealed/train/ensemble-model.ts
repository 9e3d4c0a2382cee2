// `sealsight ensemble`: model files trained separately (other seeds, other machines,
// at the same time on other cores) combined into one ensemble model file. No data is
// needed: the merged net's conv and fc1 activations are exactly its members', so their
// ranges are the members' maxima, and its scores are the mean of the members', so the
// mean of their score ranges bounds them (above what a measurement on the training data
// gives: the engine's fc2 scale is then more cautious). Given the training images, the
// ranges are measured on the ensemble instead.
import path from 'node:path';
import type { ChunkCnnWeights } from '../model/chunk-cnn.ts';
import { mergeEnsemble } from '../model/chunk-cnn-ensemble.ts';
import { MAX_ENSEMBLE_MEMBERS } from '../../../../src-shared/domain/ensemble.ts';
import type { ActivationRanges, LoadedModel } from '../model/model-file.ts';
import type { LabelledFolder } from './labelled-folder.ts';
import { measureOnImages } from '../model/activation-ranges.ts';
import { serializeModel } from '../model/model-file.ts';
import { DEFAULT_CKKS_PRESET } from '../ckks/ckks-presets.ts';
import { assertHeEvaluable, assertHeSafe, scoreScaleFor } from '../ckks/he-safety.ts';

export interface EnsembleSource {
  readonly file: string;
  readonly model: LoadedModel;
}

/**
 * The combined model file's text; throws naming the file that does not fit the first.
 * With `rangesFrom` (the members' training images, cut with the models' preprocessing)
 * the ranges are measured on the ensemble itself — image scores included, which lets
 * the engine scale fc2 down far less than the bound from the members does.
 */
export function combineModels(
  sources: readonly EnsembleSource[],
  rangesFrom?: LabelledFolder,
): string {
  const first = sources[0];
  if (!first || sources.length < 2) throw new Error('an ensemble needs at least two model files');
  const base = first.model.file;
  const members: ChunkCnnWeights[] = [];
  for (const { file, model } of sources) {
    const f = model.file;
    const differs = (what: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b))
        throw new Error(
          `${file}: its ${what} (${JSON.stringify(a)}) differs from ${first.file}'s (${JSON.stringify(b)})`,
        );
    };
    differs('classes', f.classes, base.classes);
    differs('preprocessing', f.preprocessing, base.preprocessing);
    assertHeEvaluable(f.architecture, file);
    members.push(...model.members);
  }
  if (members.length > MAX_ENSEMBLE_MEMBERS)
    throw new Error(`${members.length} members: an ensemble holds at most ${MAX_ENSEMBLE_MEMBERS}`);
  const architectures = new Set(members.map((m) => JSON.stringify(m.architecture)));
  if (architectures.size > 1)
    throw new Error(
      `the members' architectures differ (${[...architectures].join(' vs ')}): an ensemble's members share one`,
    );
  const merged = mergeEnsemble(members);
  let activationRanges: ActivationRanges;
  if (rangesFrom) {
    const p = base.preprocessing;
    if (
      rangesFrom.threshold !== p.threshold ||
      rangesFrom.minFeatureChunks !== (p.minFeatureChunks ?? 0)
    )
      throw new Error(
        `the images for the ranges were cut at threshold ${rangesFrom.threshold}, minimum ${rangesFrom.minFeatureChunks}; the models expect ${p.threshold}, ${p.minFeatureChunks ?? 0}`,
      );
    if (rangesFrom.images.length === 0) throw new Error('no image to measure the ranges on');
    activationRanges = measureOnImages(merged, rangesFrom.images);
  } else {
    const ranges = sources.map(({ model }) => model.file.activationRanges);
    const images = ranges.map((r) => r.imageScores);
    activationRanges = {
      conv: Math.max(...ranges.map((r) => r.conv)),
      fc1: Math.max(...ranges.map((r) => r.fc1)),
      scores: ranges.reduce((sum, r) => sum + r.scores, 0) / ranges.length,
      ...(images.every((v) => v !== undefined)
        ? { imageScores: images.reduce((sum, v) => sum + v, 0) / images.length }
        : {}),
    };
  }
  assertHeSafe(activationRanges, DEFAULT_CKKS_PRESET, 'the ensemble');
  return serializeModel(merged, {
    classes: base.classes,
    threshold: base.preprocessing.threshold,
    minFeatureChunks: base.preprocessing.minFeatureChunks ?? 0,
    activationRanges,
    provenance: {
      trainer: 'sealsight ensemble',
      members: members.length,
      ranges: rangesFrom
        ? { measuredOn: { dataHash: rangesFrom.dataHash, images: rangesFrom.images.length } }
        : 'bounded by the members’ recorded ranges',
      he: {
        preset: DEFAULT_CKKS_PRESET.id,
        scoreScale: scoreScaleFor(activationRanges, DEFAULT_CKKS_PRESET),
      },
      sources: sources.map(({ file, model }) => ({
        file: path.basename(file),
        modelId: model.id,
        provenance: model.file.provenance,
      })),
    },
  });
}
