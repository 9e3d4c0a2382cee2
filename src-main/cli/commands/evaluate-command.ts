// `sealsight evaluate <labelled-folder> [--model FILE] [--encrypted]`: image-level
// accuracy, per-class precision/recall/F1, the confusion matrix, mean loss and time
// per image of a sealed-tier model on a labelled folder; with --encrypted the
// feature chunks also go through CKKS (fresh keys, evaluator-only inference) and
// the report compares encrypted with plaintext.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LAYOUT_CHOICES, evaluateFolder, loadModel } from '../../engine/index.ts';
import type { EvaluationReport, SideFigures } from '../../engine/index.ts';
import {
  minChunksOption,
  numberOption,
  parseWorkers,
  percent,
  progressPrinter,
  UsageError,
  withCancellation,
} from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand } from './vault-commands.ts';
import { DEFAULT_MODEL_FILE } from './classify-command.ts';

const LAYOUTS = LAYOUT_CHOICES;

export async function evaluateCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      model: { type: 'string' },
      encrypted: { type: 'boolean' },
      layout: { type: 'string' },
      workers: { type: 'string' },
      threshold: { type: 'string' },
      'min-chunks': { type: 'string' },
    },
    ['folder'],
  );
  const modelFile =
    typeof values.model === 'string' ? path.resolve(values.model) : DEFAULT_MODEL_FILE;
  if (!existsSync(modelFile)) throw new UsageError(`no model at ${modelFile}: pass --model FILE`);
  const layout = (values.layout ?? 'auto') as (typeof LAYOUTS)[number];
  if (!LAYOUTS.includes(layout))
    throw new UsageError(`--layout must be one of ${LAYOUTS.join(', ')}, got "${layout}"`);
  const threshold = numberOption(
    values.threshold,
    'threshold',
    (n) => Number.isFinite(n) && n >= 0,
    'a number ≥ 0',
  );
  const folder = path.resolve(positionals[0]!);
  if (!existsSync(folder)) throw new UsageError(`${folder}: no such folder`);
  const model = await loadModel(modelFile);
  const printLoad = progressPrinter('load');
  const printHe = progressPrinter('encrypted');
  const report = await withCancellation(ctx, 'batch', (signal) =>
    evaluateFolder(folder, model, {
      encrypted: values.encrypted === true,
      layout,
      workers: parseWorkers(values.workers),
      threshold,
      minFeatureChunks: minChunksOption(values['min-chunks']),
      signal,
      onProgress: (p) => (p.phase === 'load' ? printLoad : printHe)(p.done, p.total, null),
    }),
  );
  for (const failure of report.failed) ctx.log(`could not read ${failure.name}: ${failure.reason}`);
  const main = report.encrypted ?? report.plaintext;
  return {
    json: {
      ...report,
      model: modelFile,
      folder,
      accuracy: main.accuracy,
      plaintextAccuracy: report.plaintext.accuracy,
      agreement: report.encrypted?.agreement ?? null,
      confusion: main.confusion,
      perClass: main.perClass,
      weightedF1: main.weightedF1,
      meanLoss: main.meanLoss,
      secondsPerImage: main.secondsPerImage,
      retrieval: main.retrieval,
    },
    text: formatReport(report, modelFile),
  };
}

function formatReport(report: EvaluationReport, modelFile: string): string {
  const lines = [
    `model ${path.basename(modelFile)} (${report.modelId.slice(0, 12)}), ${report.n} images, threshold ${report.threshold}, at least ${report.minFeatureChunks} feature chunks per image, ${report.featureChunks} feature chunks`,
    ...section('plaintext (float64 reference)', report.plaintext, report.classes),
  ];
  const enc = report.encrypted;
  if (enc) {
    lines.push(
      ...section(`encrypted (CKKS, fresh keys, ${enc.layout} layout)`, enc, report.classes),
      `  agreement with plaintext: ${percent(enc.agreement)} of images` +
        (enc.chunkAgreement === null ? '' : `, ${percent(enc.chunkAgreement)} of feature chunks`),
      `  max |encrypted − plaintext| score: ${enc.maxAbsErrorImage.toExponential(2)} (image sums)` +
        (enc.maxAbsErrorChunk === null
          ? ''
          : `, ${enc.maxAbsErrorChunk.toExponential(2)} (chunks)`) +
        (enc.maxAbsErrorEmbedding === null
          ? ''
          : `, ${enc.maxAbsErrorEmbedding.toExponential(2)} (image embeddings)`),
      `  seconds: keys ${enc.seconds.keys.toFixed(1)}, encrypt ${enc.seconds.encrypt.toFixed(1)}, evaluate ${enc.seconds.evaluate.toFixed(1)}, decrypt ${enc.seconds.decrypt.toFixed(1)}`,
    );
  }
  if (report.failed.length > 0) lines.push(`${report.failed.length} files could not be read`);
  return lines.join('\n');
}

function section(title: string, side: SideFigures, classes: readonly string[]): string[] {
  const width = Math.max(...classes.map((c) => c.length), 10);
  return [
    `${title}: accuracy ${percent(side.accuracy)}, weighted F1 ${percent(side.weightedF1)}, mean loss ${side.meanLoss.toFixed(4)}, ${(side.secondsPerImage * 1000).toFixed(1)} ms/image`,
    `  ${'class'.padEnd(width)}  precision  recall     F1  support`,
    ...side.perClass.map(
      (c) =>
        `  ${c.name.padEnd(width)}  ${percent(c.precision).padStart(9)} ${percent(c.recall).padStart(7)} ${percent(c.f1).padStart(6)} ${String(c.support).padStart(8)}`,
    ),
    `  confusion (rows = true, columns = predicted, in the order above):`,
    ...side.confusion.map(
      (row, r) =>
        `  ${classes[r]!.padEnd(width)}  ${row.map((v) => String(v).padStart(4)).join('')}`,
    ),
    ...(side.retrieval
      ? [
          `  search (every image queries the others, same class relevant): mAP ${side.retrieval.mAP.toFixed(4)}, ` +
            Object.entries(side.retrieval.precisionAt)
              .map(([k, p]) => `P@${k} ${p.toFixed(4)}`)
              .join(', '),
        ]
      : []),
  ];
}
