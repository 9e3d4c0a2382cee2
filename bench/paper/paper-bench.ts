// `npm run bench -- paper [--json] [--model FILE] [--baseline FILE] [--out DIR]`:
// the paper's tables over the NEU-CLS development set, measured in one run:
// - Table 2: CKKS encryption time per image, whole image vs 16 chunks vs feature chunks;
// - Fig. 9/10: per-class accuracy and confusion matrices, plaintext chunk model vs the
//   same model under CKKS (fresh keys, evaluator-only inference), plus the ReLU
//   plaintext baseline, on the model's own held-out validation split (so the default
//   model is the shipped recipe's twin trained on split 1, docs/accuracy/: the shipped
//   model trains on all development images and has no held-out split);
// - encrypted-vs-plaintext agreement over all 1,440 development images;
// - the share of chunks the threshold selects per class and accuracy vs threshold.
// Writes docs/results.md and SVG charts in docs/results/ and prints the JSON.
// Options: --dataset DIR, --model FILE, --baseline FILE, --out DIR, --table-images N,
// --evaluation FILE (reuse a saved `sealsight evaluate --encrypted --json`).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src-main/engine/sealed/model/model-file.ts';
import type { LoadedModel } from '../../src-main/engine/sealed/model/model-file.ts';
import { loadLabelledFolder } from '../../src-main/engine/sealed/train/labelled-folder.ts';
import { splitImages } from '../../src-main/engine/ml/split-images.ts';
import type { LabelledFolder } from '../../src-main/engine/sealed/train/labelled-folder.ts';
import { evaluateLoaded } from '../../src-main/engine/sealed/inference/evaluate-model.ts';
import type { EvaluationReport } from '../../src-main/engine/sealed/inference/evaluate-model.ts';
import { referenceChunkScores } from '../../src-main/engine/sealed/train/evaluate-chunk-cnn.ts';
import { classificationMetrics } from '../../src-main/engine/metrics/classification.ts';
import { decodeImage, lumaBt601 } from '../../src-main/engine/image/index.ts';
import { loadSeal } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';
import {
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../../src-main/engine/sealed/ckks/ckks-presets.ts';
import { generateCkksKeys } from '../../src-main/engine/sealed/ckks/ckks-keys.ts';
import { encryptionTable } from './encryption-table.ts';
import type { ImageForTable } from './encryption-table.ts';
import { thresholdSweep } from './threshold-sweep.ts';
import { writeCharts } from './paper-charts.ts';
import { resultsMarkdown } from './results-markdown.ts';
import { option } from '../bench-options.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const THRESHOLDS = [0, 25, 50, 75, 100, 125, 150, 200];
const MINIMUMS = [0, 4, 8, 12, 16];

export async function runPaperBench() {
  const log = (line: string) => process.stderr.write(`bench paper: ${line}\n`);
  const started = performance.now();
  const dataset = path.resolve(option('dataset', path.resolve(REPO, '../shared/datasets/neu-cls')));
  const modelFile = path.resolve(
    option('model', path.join(REPO, 'docs/accuracy/neu-chunk-cnn-split1-800.json')),
  );
  const baselineFile = path.resolve(
    option('baseline', path.join(REPO, 'assets/demo-models/neu-baseline-relu.json')),
  );
  const outDir = path.resolve(option('out', path.join(REPO, 'docs')));
  const model = await loadModel(modelFile);
  const baseline = existsSync(baselineFile) ? await loadModel(baselineFile) : null;

  log(`loading ${dataset} through the import pipeline`);
  const folder = await loadLabelledFolder(dataset, {
    threshold: model.file.preprocessing.threshold,
    minFeatureChunks: model.file.preprocessing.minFeatureChunks ?? 0,
    classes: model.file.classes,
  });
  const split = validationSplit(folder, model, log);
  const validationNames = new Set(split.map((image) => image.name));

  log('Table 2: timing CKKS encryption (key holder, one thread)');
  const table2 = await encryptionTimes(dataset, folder, Number(option('table-images', '120')));

  const all = await encryptedEvaluation(folder, model, log);
  const valImages = all.images.filter((image) => validationNames.has(image.name));
  const truth = valImages.map((image) => image.truth);
  const classes = [...folder.classes];
  const plaintext = classificationMetrics(
    truth,
    valImages.map((image) => image.plaintext),
    classes,
  );
  const encrypted = classificationMetrics(
    truth,
    valImages.map((image) => image.encrypted!),
    classes,
  );
  const baselineFigures = baseline
    ? (await evaluateLoaded({ ...folder, images: split }, baseline)).plaintext
    : null;

  log('threshold and minimum sweeps on the validation split (plaintext, model not retrained)');
  const { threshold, minFeatureChunks = 0 } = model.file.preprocessing;
  const sweepImages = split.map((image) => ({
    classIndex: image.classIndex,
    scores: image.scores!,
    chunkScores: referenceChunkScores(model.weights, image.chunks),
  }));
  const sweep = thresholdSweep(
    sweepImages,
    classes.length,
    THRESHOLDS.map((t) => ({ threshold: t, minFeatureChunks })),
  );
  const minimumSweep = thresholdSweep(
    sweepImages,
    classes.length,
    MINIMUMS.map((m) => ({ threshold, minFeatureChunks: m })),
  );
  const allSweep = thresholdSweep(
    folder.images.map((image) => ({
      classIndex: image.classIndex,
      scores: image.scores!,
      chunkScores: [],
    })),
    classes.length,
    [{ threshold, minFeatureChunks }],
  )[0]!;

  const enc = all.encrypted!;
  const result = {
    dataset,
    model: path.relative(REPO, modelFile),
    modelId: model.id,
    /** Nets in the model (an ensemble's image score is the mean of theirs). */
    members: model.members.length,
    memberEpochs: memberEpochs(model),
    baseline: baseline ? path.relative(REPO, baselineFile) : null,
    classes,
    images: folder.images.length,
    validationImages: split.length,
    table2,
    validation: {
      plaintextAccuracy: plaintext.accuracy,
      encryptedAccuracy: encrypted.accuracy,
      baselineAccuracy: baselineFigures?.accuracy ?? null,
      agreement:
        valImages.filter((image) => image.encrypted === image.plaintext).length / valImages.length,
      plaintext,
      encrypted,
      baseline: baselineFigures,
    },
    wholeDevelopmentSet: {
      note: 'includes the model’s training images: agreement and error, not accuracy',
      n: all.n,
      featureChunks: all.featureChunks,
      layout: enc.layout,
      agreement: enc.agreement,
      chunkAgreement: enc.chunkAgreement,
      maxAbsErrorImage: enc.maxAbsErrorImage,
      maxAbsErrorChunk: enc.maxAbsErrorChunk,
      seconds: enc.seconds,
      encryptedSecondsPerImage: enc.secondsPerImage,
      /** Worker time per operation, summed over workers (ms). */
      profileMs: enc.profileMs,
    },
    featureFractionPerClassAtThreshold: {
      threshold,
      minFeatureChunks,
      overall: allSweep.featureFraction,
      perClass: Object.fromEntries(classes.map((c, i) => [c, allSweep.featureFractionPerClass[i]])),
      fallbackImages: allSweep.fallbackImages,
    },
    thresholdSweep: sweep,
    minimumSweep,
    /** Where the encrypted run came from: this run, or a saved `sealsight evaluate` JSON. */
    encryptedEvaluation: option('evaluation', '')
      ? path.basename(option('evaluation', ''))
      : 'this run',
    seconds: 0,
  };
  result.seconds = Math.round((performance.now() - started) / 1000);
  const chartDir = path.join(outDir, 'results');
  await mkdir(chartDir, { recursive: true });
  const charts = await writeCharts(chartDir, result);
  await writeFile(
    path.join(outDir, 'results.md'),
    resultsMarkdown(
      result,
      charts.map((c) => path.relative(outDir, c)),
    ),
  );
  log(`wrote ${path.join(outDir, 'results.md')} and ${charts.length} charts`);
  return result;
}

export type PaperResult = Awaited<ReturnType<typeof runPaperBench>>;

/** Each net's training provenance: the model's own, or an ensemble's sources'. */
function memberProvenance(model: LoadedModel): SplitProvenance[] {
  const top = model.file.provenance as SplitProvenance;
  return top.sources ? top.sources.map((s) => s.provenance ?? {}) : [top];
}

function memberEpochs(model: LoadedModel): Array<number | null> {
  return memberProvenance(model).map((p) => (typeof p.epochs === 'number' ? p.epochs : null));
}

interface SplitProvenance {
  seed?: number;
  splitSeed?: number;
  valFraction?: number;
  dataHash?: string;
  epochs?: number;
  sources?: Array<{ provenance?: SplitProvenance }>;
}

/**
 * The model's held-out images, re-derived from its provenance (split seed, fraction,
 * data hash). An ensemble combined by `sealsight ensemble` holds out what all its
 * sources held out, so they must share one split.
 */
function validationSplit(folder: LabelledFolder, model: LoadedModel, log: (l: string) => void) {
  const splits = memberProvenance(model).map((p) => ({
    seed: p.splitSeed ?? p.seed,
    valFraction: p.valFraction,
    dataHash: p.dataHash,
  }));
  const split = splits[0]!;
  if (
    typeof split.seed !== 'number' ||
    typeof split.valFraction !== 'number' ||
    split.valFraction <= 0
  )
    throw new Error('the model file does not record its validation split (seed, valFraction)');
  if (splits.some((s) => JSON.stringify(s) !== JSON.stringify(split)))
    throw new Error(
      'the ensemble’s members were trained on different splits: none is held out by all',
    );
  if (split.dataHash !== folder.dataHash)
    log('WARNING: the dataset differs from the model’s training data; the split is not its own');
  return splitImages(folder.images, split.valFraction, split.seed).validation;
}

/** Times encryption on an evenly spaced sample of `count` images (every class, all thresholds alike). */
async function encryptionTimes(dataset: string, folder: LabelledFolder, count: number) {
  const step = Math.max(1, Math.floor(folder.images.length / count));
  const sample = folder.images.filter((_, i) => i % step === 0).slice(0, count);
  const seal = await loadSeal();
  using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
  const keys = generateCkksKeys(seal, ckks);
  const images: ImageForTable[] = [];
  for (const image of sample) {
    const decoded = await decodeImage(await readFile(path.join(dataset, image.name)), image.name);
    const original =
      decoded.channels === 1
        ? decoded.data
        : lumaBt601(decoded.data, decoded.width * decoded.height, decoded.channels);
    images.push({
      original,
      pixels: image.pixels,
      chunks: image.chunks,
      isFeature: image.isFeature,
    });
  }
  try {
    return encryptionTable(seal, ckks, keys.secretKey, images);
  } finally {
    keys.secretKey.fill(0);
  }
}

/**
 * Encrypted inference over every image — or, with `--evaluation FILE`, the saved JSON of
 * `sealsight evaluate <dataset> --encrypted --json` for the same model and images (the
 * longest step; the report says which).
 */
async function encryptedEvaluation(
  folder: LabelledFolder,
  model: LoadedModel,
  log: (line: string) => void,
): Promise<EvaluationReport> {
  const saved = option('evaluation', '');
  if (saved) {
    const report = JSON.parse(await readFile(saved, 'utf8')) as EvaluationReport;
    const names = new Set(folder.images.map((image) => image.name));
    if (report.modelId !== model.id || !report.encrypted)
      throw new Error(`${saved}: not an encrypted evaluation of model ${model.id}`);
    if (report.images.length !== names.size || report.images.some((i) => !names.has(i.name)))
      throw new Error(
        `${saved}: evaluated other images than ${folder.images.length} in the dataset`,
      );
    log(`encrypted inference: reusing ${saved}`);
    return report;
  }
  log(`encrypted inference over all ${folder.images.length} images (fresh keys)`);
  return evaluateLoaded(folder, model, {
    encrypted: true,
    onProgress: (p) => p.phase === 'encrypted' && log(`encrypted ${p.done}/${p.total}`),
  });
}
