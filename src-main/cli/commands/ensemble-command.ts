// `sealsight ensemble <model>… --out FILE`: combines sealed-tier model files trained
// separately (other seeds, other machines) into one ensemble whose image score is the
// mean of theirs. Costs no training; each member adds one encrypted pass per image.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_CKKS_PRESET,
  combineModels,
  loadLabelledFolder,
  loadModel,
  parseModel,
  scoreScaleFor,
} from '../../engine/index.ts';
import { UsageError } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand } from './vault-commands.ts';

export async function ensembleCommand(
  argv: string[],
  _ctx: CommandContext,
): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    { out: { type: 'string' }, 'ranges-from': { type: 'string' } },
    ['model…'],
  );
  if (typeof values.out !== 'string') throw new UsageError('--out <model-file> is required');
  if (positionals.length < 2) throw new UsageError('an ensemble needs at least two model files');
  const files = positionals.map((file) => path.resolve(file));
  const sources = [];
  for (const file of files) sources.push({ file, model: await loadModel(file) });
  // The members' training images (a labelled folder), cut as the models expect: the
  // ranges are then measured on the ensemble instead of bounded from the members'.
  const rangesFolder =
    typeof values['ranges-from'] === 'string'
      ? await loadLabelledFolder(path.resolve(values['ranges-from']), {
          threshold: sources[0]!.model.file.preprocessing.threshold,
          minFeatureChunks: sources[0]!.model.file.preprocessing.minFeatureChunks ?? 0,
        })
      : undefined;
  const modelText = combineModels(sources, rangesFolder);
  const outFile = path.resolve(values.out);
  const model = parseModel(modelText, outFile);
  await mkdir(path.dirname(outFile), { recursive: true });
  const partial = `${outFile}.partial`;
  await writeFile(partial, modelText);
  await rename(partial, outFile);
  const ranges = model.file.activationRanges;
  const text = [
    `wrote ${outFile} (model ${model.id}): an ensemble of ${model.members.length} nets from ${files.length} files; image score = the mean of theirs`,
    rangesFolder
      ? `activation ranges measured on ${rangesFolder.images.length} images: conv ${ranges.conv.toFixed(2)}, fc1 ${ranges.fc1.toFixed(2)}, chunk scores ${ranges.scores.toFixed(2)}, image scores ${ranges.imageScores?.toFixed(2)}`
      : `activation ranges conv ${ranges.conv.toFixed(2)}, fc1 ${ranges.fc1.toFixed(2)}, scores ≤ ${ranges.scores.toFixed(2)} (bounded by the members')`,
    `engine fc2 scale ${scoreScaleFor(ranges, DEFAULT_CKKS_PRESET).toPrecision(3)}`,
  ].join('\n');
  return {
    json: {
      model: outFile,
      modelId: model.id,
      members: model.members.length,
      sources: files,
      activationRanges: ranges,
      scoreScale: scoreScaleFor(ranges, DEFAULT_CKKS_PRESET),
    },
    text,
  };
}
