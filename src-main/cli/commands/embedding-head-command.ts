// `sealsight embedding-head <model-file> <labelled-folder> --out FILE [--dims N]`: adds the
// sealed search head to a model file, fitted on the images the model was trained on. The
// classifier and its id do not change; the head is what sealed similar-image search ranks by.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  EMBEDDING_DIMS,
  addEmbeddingHead,
  loadLabelledFolder,
  parseModel,
} from '../../engine/index.ts';
import { numberOption, UsageError } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand } from './vault-commands.ts';

export async function embeddingHeadCommand(
  argv: string[],
  _ctx: CommandContext,
): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    { out: { type: 'string' }, dims: { type: 'string' } },
    ['model-file', 'labelled-folder'],
  );
  if (typeof values.out !== 'string') throw new UsageError('--out <model-file> is required');
  const dims =
    numberOption(
      values.dims,
      'dims',
      (n) => Number.isInteger(n) && n >= 1 && n <= 64,
      'a whole number from 1 to 64',
    ) ?? EMBEDDING_DIMS;
  const modelFile = path.resolve(positionals[0]!);
  const modelText = await readFile(modelFile, 'utf8');
  const model = parseModel(modelText, modelFile);
  const folder = await loadLabelledFolder(path.resolve(positionals[1]!), {
    threshold: model.file.preprocessing.threshold,
    minFeatureChunks: model.file.preprocessing.minFeatureChunks ?? 0,
    classes: model.file.classes,
  });
  if (folder.images.length === 0) throw new Error(`${positionals[1]}: no image could be read`);
  const outFile = path.resolve(values.out);
  const headed = addEmbeddingHead(modelText, model, folder, outFile, dims);
  await mkdir(path.dirname(outFile), { recursive: true });
  const partial = `${outFile}.partial`;
  await writeFile(partial, headed.text);
  await rename(partial, outFile);
  return {
    json: {
      model: outFile,
      modelId: headed.model.id,
      headId: headed.model.embeddingHead!.id,
      dims,
      images: folder.images.length,
      explained: headed.explained,
    },
    text: `wrote ${outFile} (model ${headed.model.id}, head ${headed.model.embeddingHead!.id}): ${dims} dimensions fitted on ${folder.images.length} images, holding ${(headed.explained * 100).toFixed(1)} % of the pooled features' second moment`,
  };
}
