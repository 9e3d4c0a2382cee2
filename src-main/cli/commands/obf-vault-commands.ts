// `sealsight obf index <vault> --model FILE`: obfuscated-tier class + embedding for every
// image of the vault that lacks one (stored AES-GCM-encrypted).
// `sealsight search <vault> <image-id|file> [--k N] [--model FILE]`: top-k similar images
// by cosine similarity of the stored embeddings, decrypted in memory only.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { progressPrinter, UsageError, withCancellation } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { OBF_TIER_LABEL } from './obf-train-command.ts';
import type { UnlockedVault } from '../../engine/vault/vault.ts';
import { parseCommand, withVault } from './vault-commands.ts';

/** Throws unless the model's classes cover the vault's labels (obf-domain.ts says why). */
async function assertModelFits(
  vault: UnlockedVault,
  dir: string,
  modelFile: string,
  classes: readonly string[],
): Promise<void> {
  const { obfModelMismatch, vaultLabels } = await import('../../engine/vault/obf-domain.ts');
  const mismatch = obfModelMismatch(vaultLabels(vault), {
    name: path.basename(modelFile),
    classes,
  });
  if (mismatch)
    throw new Error(`${dir}: ${mismatch}; train one on this vault's labelled images instead`);
}

async function loadNet(modelFile: string) {
  const { loadObfModel, instantiateObfNet } = await import('../../engine/obf/obf-model-file.ts');
  const { disposeNet } = await import('../../engine/obf/obf-net.ts');
  const { initTfWasm } = await import('../../engine/nn/tf-wasm.ts');
  const loaded = await loadObfModel(modelFile);
  const tf = await initTfWasm();
  const net = instantiateObfNet(tf, loaded, modelFile);
  return { tf, loaded, net, dispose: () => disposeNet(net) };
}

export async function obfIndexCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, { model: { type: 'string' } }, ['vault']);
  if (typeof values.model !== 'string') throw new UsageError('--model <model-file> is required');
  const dir = path.resolve(positionals[0]!);
  const modelFile = path.resolve(values.model);
  const { tf, loaded, net, dispose } = await loadNet(modelFile);
  const { indexObfuscated } = await import('../../engine/vault/obf-embeddings.ts');
  const print = progressPrinter('index');
  try {
    return await withCancellation(ctx, 'batch', async (signal) => {
      const report = await withVault(
        ctx,
        dir,
        values['passphrase-file'] as string | undefined,
        async (vault) => {
          await assertModelFits(vault, dir, modelFile, loaded.file.classes);
          return indexObfuscated(vault, tf, loaded, net, {
            signal,
            onProgress: (p) => print(p.done, p.total, p.etaMs),
          });
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
  } finally {
    dispose();
  }
}

function isFile(candidate: string): boolean {
  try {
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

export async function searchCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
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
  // No default model: a file query is embedded by the model the vault was indexed with,
  // which the user names (a shipped demo model belongs to another domain).
  const modelFile = typeof values.model === 'string' ? path.resolve(values.model) : null;
  if (queryIsFile && !modelFile)
    throw new UsageError('a file query needs --model FILE (the model the vault was indexed with)');
  const engine = await import('../../engine/vault/obf-embeddings.ts');
  const model = modelFile ? await loadNet(modelFile) : null;
  try {
    return await withVault(
      ctx,
      dir,
      values['passphrase-file'] as string | undefined,
      async (vault) => {
        const ids = engine.obfModelIds(vault);
        let modelId: string;
        if (model) {
          await assertModelFits(vault, dir, modelFile!, model.loaded.file.classes);
          modelId = model.loaded.id;
          if (!ids.includes(modelId))
            throw new Error(
              `${dir}: no embeddings for model ${modelId} yet: run sealsight obf index ${positionals[0]} --model ${modelFile}`,
            );
        } else if (ids.length === 1) modelId = ids[0]!;
        else if (ids.length === 0)
          throw new Error(
            `${dir}: no obfuscated-tier embeddings yet: run sealsight obf index first`,
          );
        else
          throw new UsageError(
            `${dir} holds embeddings of ${ids.length} models (${ids.join(', ')}): pass --model FILE`,
          );
        const stored = engine.readObfResults(vault, modelId);
        let queryVector: Float32Array;
        let excludeUid: string | null = null;
        let queryLabel: string;
        if (queryIsFile && model) {
          const { grayAt } = await import('../../engine/obf/obf-dataset.ts');
          const { createObfuscator } = await import('../../engine/crypto/arnold-xor.ts');
          const { runNet } = await import('../../engine/obf/obf-net.ts');
          const size = model.loaded.shape.size;
          const gray = await grayAt(await readFile(query), query, size);
          const obfuscated = createObfuscator(
            model.loaded.key,
            size,
            model.loaded.file.condition,
          ).obfuscate(gray);
          const out = runNet(model.tf, model.net, obfuscated, 1);
          queryVector = out.embeddings;
          queryLabel = `${query} (predicted ${model.loaded.file.classes[out.predicted[0]!]})`;
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
      },
    );
  } finally {
    model?.dispose();
  }
}
