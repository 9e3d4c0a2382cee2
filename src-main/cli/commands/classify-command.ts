// `sealsight classify <vault> --model FILE`: encrypted inference over every image
// the model has not classified yet; results are decrypted by the key holder and
// stored encrypted.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyVault, loadModel } from '../../engine/index.ts';
import { parseWorkers, progressPrinter, UsageError, withCancellation } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand, withVault } from './vault-commands.ts';

/** The steel-defect model shipped with the app (trained on NEU-CLS; docs/models/neu-chunk-cnn.md). */
export const DEFAULT_MODEL_FILE = fileURLToPath(
  new URL('../../../assets/models/neu-chunk-cnn.json', import.meta.url),
);

export async function classifyCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    { model: { type: 'string' }, workers: { type: 'string' }, all: { type: 'boolean' } },
    ['vault'],
  );
  const modelFile =
    typeof values.model === 'string' ? path.resolve(values.model) : DEFAULT_MODEL_FILE;
  if (!existsSync(modelFile)) {
    throw new UsageError(`no model at ${modelFile}: pass --model FILE`);
  }
  const workers = parseWorkers(values.workers);
  const model = await loadModel(modelFile);
  const dir = path.resolve(positionals[0]!);
  const print = progressPrinter('classify');
  return withCancellation(ctx, 'images', async (signal) => {
    const report = await withVault(
      ctx,
      dir,
      values['passphrase-file'] as string | undefined,
      (vault) =>
        classifyVault(vault, {
          model,
          workers,
          all: values.all === true,
          signal,
          onProgress: (p) => print(p.done, p.total, p.etaMs),
        }),
    );
    for (const failure of report.failed)
      ctx.log(`could not classify ${failure.name}: ${failure.reason}`);
    const lines = report.classified.map(
      (r) =>
        `${r.id.slice(0, 12)}  ${r.predicted.padEnd(16)} ${r.chunksUsed.toString().padStart(2)} chunks ${r.seconds.toFixed(2)} s  ${r.name}`,
    );
    const text = [
      `model ${report.modelId}: ${report.classified.length} classified under encryption, ${report.skipped} already done, ${report.failed.length} failed (${report.seconds.toFixed(1)} s)`,
      ...lines,
    ].join('\n');
    return { json: { vault: dir, ...report }, text, exitCode: report.cancelled ? 130 : 0 };
  });
}
