// `npm run bench -- retrieval --model FILE --split-seed S [--data DIR]`: sealed search on
// images a model was not trained on. The model must have been trained on split S's
// training images (sealsight train --val-fraction 0.2 --seed …, or bench seeds --save);
// the search head is fitted on those, and retrieval is measured on the held-out images
// with the float64 network — which the sealed embeddings equal within the CKKS error
// (`sealsight evaluate --encrypted` reports both).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src-main/engine/sealed/model/model-file.ts';
import type { LoadedModel } from '../src-main/engine/sealed/model/model-file.ts';
import { loadLabelledFolder } from '../src-main/engine/sealed/train/labelled-folder.ts';
import { splitImages } from '../src-main/engine/ml/split-images.ts';
import { addEmbeddingHead } from '../src-main/engine/sealed/train/add-embedding-head.ts';
import { evaluateLoaded } from '../src-main/engine/sealed/inference/evaluate-model.ts';
import { TRAIN_DEFAULTS } from '../src-main/engine/sealed/train/train-chunk-cnn.ts';
import { NEU_DIR, option } from './bench-options.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));

export async function runRetrievalBench() {
  const data = path.resolve(option('data', NEU_DIR));
  const modelFile = path.resolve(option('model', ''));
  const splitSeed = Number(option('split-seed', '1'));
  const model = await loadModel(modelFile);
  const folder = await loadLabelledFolder(data, {
    threshold: model.file.preprocessing.threshold,
    minFeatureChunks: model.file.preprocessing.minFeatureChunks ?? 0,
    classes: model.file.classes,
  });
  const split = splitImages(folder.images, TRAIN_DEFAULTS.valFraction, splitSeed);
  const train = { ...folder, images: split.train };
  const validation = { ...folder, images: split.validation };
  const measure = async (label: string, candidate: LoadedModel, text: string) => {
    const headed = addEmbeddingHead(text, candidate, train, label).model;
    const report = await evaluateLoaded(validation, headed);
    return {
      label,
      modelId: headed.id,
      accuracy: report.plaintext.accuracy,
      retrieval: report.plaintext.retrieval,
    };
  };
  // Only the whole model: a merged ensemble's members carry fc2 ÷ M and the summed bias on
  // the first (chunk-cnn-ensemble.ts), so a member alone is not the net it was trained as.
  const rows = [await measure('model', model, JSON.stringify(model.file))];
  return {
    data: path.relative(REPO, data),
    model: path.relative(REPO, modelFile),
    splitSeed,
    train: split.train.length,
    validation: split.validation.length,
    note: 'P@100 is bounded by the 47 other images of a class among the held-out images (0.47)',
    rows,
  };
}
