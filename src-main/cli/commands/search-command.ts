// `sealsight search <vault> <image-id|file> [--k N] [--model FILE] [--tier sealed|obfuscated]`:
// similar images. The sealed tier is the default: embeddings computed under CKKS when the
// vault was classified with a model that has a search head (the shipped one has), and a
// file query runs through the same encrypted network. `--tier obfuscated` searches with the
// obfuscated tier's model instead, labelled as the weak tier it is.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { TIER_LABELS } from '../../../src-shared/contract/ipc.ts';
import { loadModel, searchSealed } from '../../engine/index.ts';
import { UsageError } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { DEFAULT_MODEL_FILE } from './classify-command.ts';
import { obfSearchCommand } from './obf-vault-commands.ts';
import { parseCommand, withVault } from './vault-commands.ts';

export async function searchCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      k: { type: 'string' },
      model: { type: 'string' },
      tier: { type: 'string' },
      workers: { type: 'string' },
    },
    ['vault', 'query'],
  );
  const tier = values.tier ?? 'sealed';
  if (tier === 'obfuscated')
    return obfSearchCommand(
      argv.filter((a, i) => a !== '--tier' && argv[i - 1] !== '--tier' && !a.startsWith('--tier=')),
      ctx,
    );
  if (tier !== 'sealed')
    throw new UsageError(`--tier must be sealed or obfuscated, got "${String(tier)}"`);
  const k = values.k === undefined ? 10 : Number(values.k);
  if (!(Number.isInteger(k) && k >= 1))
    throw new UsageError(`--k must be a whole number ≥ 1, got "${String(values.k)}"`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  const dir = path.resolve(positionals[0]!);
  const query = positionals[1]!;
  const modelFile =
    typeof values.model === 'string' ? path.resolve(values.model) : DEFAULT_MODEL_FILE;
  const model = await loadModel(modelFile);
  const isFile = await stat(query).then(
    (s) => s.isFile(),
    () => false,
  );
  return withVault(ctx, dir, values['passphrase-file'] as string | undefined, async (vault) => {
    const result = await searchSealed(
      vault,
      model,
      isFile ? { file: query, bytes: await readFile(query) } : { image: query },
      { k, workers },
    );
    const about = result.query.id
      ? `image ${result.query.id.slice(0, 12)}`
      : `${query} (encrypted and embedded under CKKS)`;
    const text = [
      `tier: ${TIER_LABELS.sealed}`,
      `top ${result.results.length} of ${result.indexed} images with a sealed embedding for ${about}, predicted ${result.query.predicted}, model ${result.modelId}:`,
      ...result.results.map(
        (h, i) =>
          `${String(i + 1).padStart(3)}. ${h.similarity.toFixed(4)}  ${h.id.slice(0, 12)}  ${h.predicted.padEnd(16)} ${h.label ?? '-'}  ${h.name}`,
      ),
      ...(result.missing > 0
        ? [
            `${result.missing} images have no sealed embedding yet: sealsight classify ${positionals[0]}`,
          ]
        : []),
    ].join('\n');
    return {
      json: {
        vault: dir,
        tier: 'sealed',
        tierLabel: TIER_LABELS.sealed,
        k,
        ...result,
        query: { ...result.query, argument: query },
      },
      text,
    };
  });
}
