// `sealsight obf index <vault> [--model FILE|ID]`: obfuscated-tier class + embedding for
// every image of the vault that lacks one (stored AES-GCM-encrypted).
// `sealsight search <vault> <image-id|file> [--k N] [--model FILE|ID]`: top-k similar
// images by cosine similarity of the stored embeddings, decrypted in memory only.
// The model defaults to the vault's own (`sealsight obf train --vault`); a model file or
// vault model id can be named, and must belong to the vault's domain.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { progressPrinter, UsageError, withCancellation } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { OBF_TIER_LABEL } from './obf-train-command.ts';
import type { LoadedObfModel, UnlockedVault } from '../../engine/index.ts';
import { parseCommand, withVault } from './vault-commands.ts';
import { createObfuscator } from '../../engine/index.ts';

/**
 * The model a command uses: `--model` (a model file, or the id of a model trained on the
 * vault), else the vault's own newest model. Either way it must fit the vault's labels
 * (obf-domain.ts): a model from another domain is refused with the reason.
 */
async function chooseModel(vault: UnlockedVault, dir: string, argument: string | undefined) {
  const choice = await import('../../engine/obfuscated-tier.ts');
  if (argument === undefined) {
    const chosen = await choice.chooseObfModel(vault, []);
    if ('refused' in chosen) throw new Error(`${dir}: ${chosen.refused}`);
    return chosen;
  }
  const file = path.resolve(argument);
  const chosen = await choice.obfModelByArgument(
    vault,
    isFile(file) ? file : argument,
    isFile(file),
  );
  if (!chosen)
    throw new UsageError(
      `--model ${argument}: neither a model file nor the id of a model trained on this vault`,
    );
  const { obfModelMismatch, vaultLabels } = await import('../../engine/obfuscated-tier.ts');
  const mismatch = obfModelMismatch(await vaultLabels(vault), {
    name: chosen.name,
    classes: chosen.model.file.classes,
  });
  if (mismatch) throw new Error(`${dir}: ${mismatch}; ${choice.TRAIN_HINT} instead`);
  return chosen;
}

async function embedderFor(model: LoadedObfModel, source: string) {
  const { inThreadEmbedder } = await import('../../engine/obfuscated-tier.ts');
  const { initTfWasm } = await import('../../engine/obfuscated-tier.ts');
  return inThreadEmbedder(await initTfWasm(), model, source);
}

export async function obfIndexCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, { model: { type: 'string' } }, ['vault']);
  const dir = path.resolve(positionals[0]!);
  const { indexObfuscated } = await import('../../engine/obfuscated-tier.ts');
  const print = progressPrinter('index');
  return withCancellation(ctx, 'batch', async (signal) => {
    const report = await withVault(
      ctx,
      dir,
      values['passphrase-file'] as string | undefined,
      async (vault) => {
        const chosen = await chooseModel(vault, dir, values.model as string | undefined);
        const embedder = await embedderFor(chosen.model, chosen.name);
        try {
          return await indexObfuscated(vault, chosen.model, embedder, {
            signal,
            onProgress: (p) => print(p.done, p.total, p.etaMs),
          });
        } finally {
          await embedder.dispose();
        }
      },
    );
    for (const failure of report.failed)
      ctx.log(`could not index ${failure.name}: ${failure.reason}`);
    const text = [
      `model ${report.modelId}: ${report.indexed.length} indexed, ${report.skipped} already done, ${report.failed.length} failed (${report.seconds.toFixed(1)} s)`,
      ...report.indexed.map((r) => `${r.id.slice(0, 12)}  ${r.predicted.padEnd(16)} ${r.name}`),
      `tier: ${OBF_TIER_LABEL}`,
    ].join('\n');
    return {
      json: { vault: dir, tier: OBF_TIER_LABEL, ...report },
      text,
      exitCode: report.cancelled ? 130 : 0,
    };
  });
}

function isFile(candidate: string): boolean {
  try {
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

export async function obfSearchCommand(
  argv: string[],
  ctx: CommandContext,
): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    { k: { type: 'string' }, model: { type: 'string' } },
    ['vault', 'query'],
  );
  const k = values.k === undefined ? 10 : Number(values.k);
  if (!(Number.isInteger(k) && k >= 1))
    throw new UsageError(`--k must be a whole number ≥ 1, got "${String(values.k)}"`);
  const dir = path.resolve(positionals[0]!);
  const query = positionals[1]!;
  const queryIsFile = isFile(query);
  const engine = await import('../../engine/obfuscated-tier.ts');
  return withVault(ctx, dir, values['passphrase-file'] as string | undefined, async (vault) => {
    const chosen = await chooseModel(vault, dir, values.model as string | undefined);
    const modelId = chosen.model.id;
    if (!engine.obfModelIds(vault).includes(modelId))
      throw new Error(
        `${dir}: no embeddings for ${chosen.name} yet: run sealsight obf index ${positionals[0]}${values.model === undefined ? '' : ` --model ${String(values.model)}`}`,
      );
    const stored = await engine.readObfResults(vault, modelId);
    let queryVector: Float32Array;
    let excludeUid: string | null = null;
    let queryLabel: string;
    if (queryIsFile) {
      const { grayAt } = await import('../../engine/obfuscated-tier.ts');
      const { obfKeyFor } = await import('../../engine/obfuscated-tier.ts');
      const size = chosen.model.shape.size;
      const gray = await grayAt(await readFile(query), query, size);
      const key = obfKeyFor(vault, chosen.model, chosen.name);
      const obfuscated = createObfuscator(key, size, chosen.model.file.condition).obfuscate(gray);
      key.fill(0);
      gray.fill(0);
      const embedder = await embedderFor(chosen.model, chosen.name);
      try {
        const out = await embedder.embed(obfuscated, 1);
        queryVector = out.embeddings;
        queryLabel = `${query} (predicted ${chosen.model.file.classes[out.predicted[0]!]})`;
      } finally {
        await embedder.dispose();
      }
    } else {
      const { row, result } = engine.storedResultOf(vault, stored, query);
      queryVector = result.embedding;
      excludeUid = row.uid;
      queryLabel = `image ${row.uid.slice(0, 12)} (predicted ${result.predicted})`;
    }
    const hits = engine.searchStored(vault, stored, queryVector, k, excludeUid);
    const text = [
      `tier: ${OBF_TIER_LABEL}`,
      `top ${hits.length} of ${stored.rows.length} indexed images for ${queryLabel}, model ${modelId}:`,
      ...hits.map(
        (h, i) =>
          `${String(i + 1).padStart(3)}. ${h.similarity.toFixed(4)}  ${h.id.slice(0, 12)}  ${h.predicted.padEnd(12)} ${h.label ?? '-'}  ${h.name}`,
      ),
    ].join('\n');
    return {
      json: { vault: dir, tier: OBF_TIER_LABEL, modelId, query, k, results: hits },
      text,
    };
  });
}
