// `sealsight obf train --vault <vault> [--epochs N] …`: trains an obfuscated-tier model on
// the vault's own labelled images, under the vault's own obfuscation key (made on first use
// and stored wrapped in the vault), and stores the model in the vault, encrypted. The model
// holds no key; `obf index` and `search` then use it by default.
import path from 'node:path';
import {
  CliError,
  formatDuration,
  progressPrinter,
  UsageError,
  withCancellation,
} from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import {
  OBF_TIER_LABEL,
  TRAIN_OPTION_SPEC,
  trainOptionsFrom,
  trainProgressPrinter,
} from './obf-train-command.ts';
import { parseCommand, withVault } from './vault-commands.ts';
import { TrainingCancelled } from '../../engine/index.ts';

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

export async function obfTrainVaultCommand(
  argv: string[],
  ctx: CommandContext,
): Promise<CommandResult> {
  const { values } = parseCommand(
    argv,
    { ...TRAIN_OPTION_SPEC, vault: { type: 'string' }, 'val-fraction': { type: 'string' } },
    [],
  );
  if (typeof values.vault !== 'string' || values.vault === '')
    throw new UsageError('--vault <vault> names the vault to train on');
  const dir = path.resolve(values.vault);
  const options = trainOptionsFrom(values);
  const valFraction = values['val-fraction'] === undefined ? 0.2 : Number(values['val-fraction']);
  if (!(valFraction >= 0 && valFraction < 1))
    throw new UsageError(
      `--val-fraction must be in [0, 1), got "${String(values['val-fraction'])}"`,
    );
  const { trainObfOnVault } = await import('../../engine/obfuscated-tier.ts');
  const printLoad = progressPrinter('decrypt');
  const onProgress = trainProgressPrinter();
  let result;
  try {
    result = await withCancellation(ctx, 'training step', (signal) =>
      withVault(ctx, dir, values['passphrase-file'] as string | undefined, (vault) =>
        trainObfOnVault(vault, {
          ...options,
          valFraction,
          signal,
          onLoad: (done, total) => printLoad(done, total, null),
          onProgress,
        }),
      ),
    );
  } catch (error) {
    if (error instanceof TrainingCancelled)
      throw new CliError('training cancelled; no model stored', 130);
    throw error;
  }
  const { model, report } = result;
  for (const failure of report.failed) ctx.log(`could not read ${failure.name}: ${failure.reason}`);
  const v = report.validation;
  const text = [
    `stored model ${model.id} in ${dir}: ${report.arch} under ${report.condition} with the vault's key, ${report.images.train} training / ${report.images.validation} validation images, classes ${report.classes.join(', ')}`,
    v
      ? `validation: accuracy ${percent(v.accuracy)}, weighted F1 ${percent(v.weightedF1)}, mAP ${v.mAP.toFixed(4)}, P@10 ${v.precisionAt['10']!.toFixed(4)}`
      : 'validation: none (no image held out)',
    `training took ${formatDuration(report.seconds.train * 1000)} (decrypting ${formatDuration(report.seconds.load * 1000)})`,
    `tier: ${OBF_TIER_LABEL}`,
  ].join('\n');
  return { json: { vault: dir, modelId: model.id, tier: OBF_TIER_LABEL, ...report }, text };
}
