// `sealsight classify <vault> --model FILE [--broker URL]`: encrypted inference over every
// image the model has not classified yet, on this computer or on an evaluation farm;
// results are decrypted by the key holder and stored encrypted. The farm is reached before
// the vault is opened: a broker that cannot be reached leaves the vault untouched.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyVault, loadModel } from '../../engine/index.ts';
import type { EvaluationBackend } from '../../engine/index.ts';
import { FarmClient, farmEvaluation } from '../../engine/farm/index.ts';
import { BROKER_OPTIONS, brokerOption } from './farm-commands.ts';
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
    {
      model: { type: 'string' },
      workers: { type: 'string' },
      all: { type: 'boolean' },
      ...BROKER_OPTIONS,
    },
    ['vault'],
  );
  const broker = brokerOption(values, ctx.env);
  if (broker !== undefined && values.workers !== undefined)
    throw new UsageError("--workers sets this computer's threads; a farm has its own (--broker)");
  const modelFile =
    typeof values.model === 'string' ? path.resolve(values.model) : DEFAULT_MODEL_FILE;
  if (!existsSync(modelFile)) {
    throw new UsageError(`no model at ${modelFile}: pass --model FILE`);
  }
  const workers = parseWorkers(values.workers);
  const model = await loadModel(modelFile);
  const dir = path.resolve(positionals[0]!);
  const print = progressPrinter('classify');
  const client = broker === undefined ? undefined : await FarmClient.connect({ broker });
  const farm = client && farmEvaluation(client);
  const evaluation: EvaluationBackend | undefined = farm;
  if (client) {
    const announced = await client.nodes();
    ctx.log(
      announced.length > 0
        ? `evaluating on the farm at ${client.broker}: ${announced.length} node(s) announced`
        : `evaluating on the farm at ${client.broker}: no evaluator node is announced yet; ` +
            'the jobs wait in the queue until one starts (sealsight evaluator --broker …)',
    );
  }
  try {
    return await classifyWith(ctx, values, dir, model, workers, print, evaluation, client);
  } finally {
    farm?.stop();
    await client?.close();
  }
}

async function classifyWith(
  ctx: CommandContext,
  values: { all?: unknown; 'passphrase-file'?: unknown },
  dir: string,
  model: Awaited<ReturnType<typeof loadModel>>,
  workers: number | undefined,
  print: ReturnType<typeof progressPrinter>,
  evaluation: EvaluationBackend | undefined,
  client: FarmClient | undefined,
): Promise<CommandResult> {
  return withCancellation(ctx, 'images', async (signal) => {
    const report = await withVault(
      ctx,
      dir,
      values['passphrase-file'] as string | undefined,
      (vault) =>
        classifyVault(vault, {
          model,
          workers,
          evaluation,
          all: values.all === true,
          signal,
          onProgress: (p) =>
            print(p.done, p.total, p.etaMs, p.nodes === undefined ? '' : `, ${p.nodes} node(s)`),
        }),
    );
    for (const failure of report.failed)
      ctx.log(`could not classify ${failure.name}: ${failure.reason}`);
    const lines = report.classified.map(
      (r) =>
        `${r.id.slice(0, 12)}  ${r.predicted.padEnd(16)} ${r.chunksUsed.toString().padStart(2)} chunks ${r.seconds.toFixed(2)} s  ${r.name}`,
    );
    const text = [
      `model ${report.modelId}: ${report.classified.length} classified under encryption on ${report.evaluatedOn}, ${report.skipped} already done, ${report.failed.length} failed (${report.seconds.toFixed(1)} s)`,
      ...lines,
    ].join('\n');
    const farm = client?.traffic;
    return {
      json: { vault: dir, ...report, ...(farm ? { farm } : {}) },
      text,
      exitCode: report.cancelled ? 130 : 0,
    };
  });
}
