// Gives a sealed model file its search head (model/embedding-head.ts), fitted on the
// images the model was trained on, cut as the model expects. The classifier is left as it
// is: the new file has the same weights, ranges and id — only `embeddingHead` is added —
// so classifications stored under the model stay its own. The head is appended to the
// file's text as it is, so the rest of the file (and its diff) stays byte for byte.
import type { LoadedModel } from '../model/model-file.ts';
import { parseModel } from '../model/model-file.ts';
import { EMBEDDING_DIMS, fitEmbeddingHead } from '../model/embedding-head.ts';
import type { LabelledFolder } from './labelled-folder.ts';

export interface HeadedModel {
  readonly text: string;
  readonly model: LoadedModel;
  readonly explained: number;
}

export function addEmbeddingHead(
  modelText: string,
  model: LoadedModel,
  folder: LabelledFolder,
  source: string,
  dims = EMBEDDING_DIMS,
): HeadedModel {
  const fit = fitEmbeddingHead(model.weights, folder.images, model.file.activationRanges, dims);
  const head = {
    dims,
    weight: [...fit.head.weight],
    fittedOn: {
      dataHash: folder.dataHash,
      images: fit.images,
      threshold: folder.threshold,
      minFeatureChunks: folder.minFeatureChunks,
      explained: fit.explained,
      method:
        'top principal directions of the unit-scaled pooled last hidden layer (second moments), scaled into the recorded score ranges',
    },
  };
  const body = modelText.trimEnd();
  const text =
    model.file.embeddingHead === undefined && body.endsWith('}')
      ? `${body.slice(0, -1).trimEnd()},\n  "embeddingHead": ${JSON.stringify(head)}\n}\n`
      : `${JSON.stringify({ ...model.file, embeddingHead: head }, null, 2)}\n`;
  const headed = parseModel(text, source);
  if (headed.id !== model.id)
    throw new Error(`${source}: adding the head changed the model id (${model.id} → ${headed.id})`);
  return { text, model: headed, explained: fit.explained };
}
