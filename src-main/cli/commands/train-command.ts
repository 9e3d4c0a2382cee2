// `sealsight train <labelled-folder> --out <model-file>`: trains the HE-friendly chunk
// CNN on <folder>/<class>/… images (same preprocessing as import), prints per-epoch
// progress with an ETA on stderr and writes a model file the encrypted engine accepts.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { TrainingCancelled, parseModel } from '../../engine/index.ts';
import type { Activation } from '../../engine/index.ts';
import type { ArchitectureOptions, TrainProgress } from '../../engine/sealed-training.ts';
import { MAX_ENSEMBLE_MEMBERS } from '../../../src-shared/domain/ensemble.ts';
import {
  CliError,
  formatDuration,
  minChunksOption,
  numberOption,
  parseWorkers,
  percent,
  progressPrinter,
  UsageError,
  wholeAtLeast,
} from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand } from './vault-commands.ts';

export async function trainCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      out: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      members: { type: 'string' },
      workers: { type: 'string' },
      'val-fraction': { type: 'string' },
      threshold: { type: 'string' },
      'min-chunks': { type: 'string' },
      channels: { type: 'string' },
      kernel: { type: 'string' },
      stride: { type: 'string' },
      hidden: { type: 'string' },
      activation: { type: 'string' },
      dropout: { type: 'string' },
      'label-smoothing': { type: 'string' },
    },
    ['folder'],
  );
  if (typeof values.out !== 'string') throw new UsageError('--out <model-file> is required');
  const epochs = numberOption(values.epochs, 'epochs', wholeAtLeast(1), 'a whole number ≥ 1');
  const seed = numberOption(values.seed, 'seed', wholeAtLeast(0), 'a whole number ≥ 0');
  const members = numberOption(
    values.members,
    'members',
    (n) => Number.isInteger(n) && n >= 1 && n <= MAX_ENSEMBLE_MEMBERS,
    `a whole number from 1 to ${MAX_ENSEMBLE_MEMBERS}`,
  );
  const fraction = (name: string, raw: string | undefined) =>
    numberOption(raw, name, (n) => n >= 0 && n < 1, 'a number in [0, 1)');
  const valFraction = fraction('val-fraction', values['val-fraction']);
  const threshold = numberOption(
    values.threshold,
    'threshold',
    (n) => Number.isFinite(n) && n >= 0,
    'a number ≥ 0',
  );
  const dropout = fraction('dropout', values.dropout);
  const labelSmoothing = fraction('label-smoothing', values['label-smoothing']);
  const architecture: ArchitectureOptions = {
    channels: numberOption(values.channels, 'channels', wholeAtLeast(1), 'a whole number ≥ 1'),
    kernel: numberOption(values.kernel, 'kernel', wholeAtLeast(1), 'a whole number ≥ 1'),
    stride: numberOption(values.stride, 'stride', wholeAtLeast(1), 'a whole number ≥ 1'),
    hidden: numberOption(values.hidden, 'hidden', wholeAtLeast(1), 'a whole number ≥ 1'),
    activation: parseActivation(values.activation),
  };
  const folder = path.resolve(positionals[0]!);
  const outFile = path.resolve(values.out);

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    ctx.log('\ncancelling: stopping after the current step (Ctrl-C again to stop at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const printLoad = progressPrinter('load');
  const printTrain = progressPrinter('train epoch');
  const onProgress = (p: TrainProgress) => {
    if (p.phase === 'load') {
      printLoad(p.done, p.total, null);
      return;
    }
    const val = p.validation
      ? `, val image ${percent(p.validation.imageAccuracy)}, feature chunks ${percent(p.validation.featureChunkAccuracy)}`
      : '';
    printTrain(p.epoch, p.epochs, p.etaMs, ` loss ${p.loss.toFixed(4)}${val}`, true);
  };
  // Loaded on demand: tfjs adds ~0.3 s to the start of every other command.
  const { trainFromFolder } = await import('../../engine/sealed-training.ts');
  let result;
  try {
    result = await trainFromFolder(folder, {
      epochs,
      seed,
      members,
      // Members train at once, one worker thread each, up to the cores (same weights).
      parallelMembers: parseWorkers(values.workers) ?? availableParallelism(),
      valFraction,
      threshold,
      minFeatureChunks: minChunksOption(values['min-chunks']),
      architecture,
      dropout,
      labelSmoothing,
      onProgress,
      signal: controller.signal,
    });
  } catch (error) {
    if (error instanceof TrainingCancelled)
      throw new CliError('training cancelled; no model written', 130);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const { report, modelText } = result;
  for (const failure of report.failed) ctx.log(`could not read ${failure.name}: ${failure.reason}`);
  const modelId = parseModel(modelText, outFile).id;
  await mkdir(path.dirname(outFile), { recursive: true });
  const partial = `${outFile}.partial`;
  await writeFile(partial, modelText);
  await rename(partial, outFile);

  const v = report.validation;
  const arch = report.architecture;
  const text = [
    `wrote ${outFile} (model ${modelId}): ${report.images.train} training / ${report.images.validation} validation images, ${report.classes.length} classes`,
    (arch.members ?? 1) > 1
      ? `architecture: an ensemble of ${arch.members} nets (seeds from ${seed ?? 1}), each conv ${arch.kernel}×${arch.kernel}×${arch.channels / arch.members!} stride ${arch.stride} → x² → fc ${arch.hidden / arch.members!} → x² → fc ${arch.classes}; image score = the mean of theirs`
      : `architecture conv ${arch.kernel}×${arch.kernel}×${arch.channels} stride ${arch.stride} → x² → fc ${arch.hidden} → x² → fc ${arch.classes}`,
    v
      ? `validation: image ${percent(v.imageAccuracy)} (sum of feature-chunk scores), feature chunks ${percent(v.featureChunkAccuracy)}, all chunks ${percent(v.allChunkAccuracy)}`
      : 'validation: none (--val-fraction 0)',
    `activation ranges conv ${report.activationRanges.conv.toFixed(2)}, fc1 ${report.activationRanges.fc1.toFixed(2)}, scores ${report.activationRanges.scores.toFixed(2)} (budget ${report.he.budget.scores.toFixed(0)}; engine scale ${report.he.scoreScale.toPrecision(3)})`,
    `took ${formatDuration(report.seconds.total * 1000)} (load ${formatDuration(report.seconds.load * 1000)}, train ${formatDuration(report.seconds.train * 1000)})`,
    ...(report.failed.length > 0 ? [`${report.failed.length} file(s) could not be read`] : []),
  ].join('\n');
  return { json: { model: outFile, modelId, ...report }, text };
}

function parseActivation(raw: unknown): Activation | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'square' || raw === 'relu') return raw;
  throw new UsageError(
    `--activation must be square (HE-friendly) or relu (plaintext baseline), got "${String(raw)}"`,
  );
}
