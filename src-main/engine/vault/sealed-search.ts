// Similar-image search in the sealed tier. Every image classified by a model with a search
// head has its sealed embedding stored inside its sealed classification (classify.ts):
// computed under CKKS by the evaluator in the same pass as the scores, decrypted by the key
// holder, never from the image's pixels in the clear. A query is an image of the vault
// (its stored result) or a file, which goes through the import pipeline and the same
// encrypted network (fresh keys, this computer), so both sides of the ranking come from
// ciphertexts. Images rank by the cosine of their ranking vectors (embedding-head.ts:
// the class posterior joined with the embedding).
import { processImage } from '../image/index.ts';
import type { LoadedModel } from '../sealed/model/model-file.ts';
import {
  retrievalVector,
  splitOutputs,
  withEmbeddingHead,
} from '../sealed/model/embedding-head.ts';
import { argmax } from '../sealed/model/chunk-cnn.ts';
import { inferWithFreshKeys } from '../sealed/inference/fresh-key-inference.ts';
import { readClassifications } from './classify.ts';
import { decryptMeta } from './read-image.ts';
import { findImageRow } from './image-rows.ts';
import type { UnlockedVault } from './vault.ts';

export interface SealedSearchHit {
  readonly id: string;
  readonly name: string;
  readonly label: string | null;
  readonly predicted: string;
  /** Cosine similarity of the ranking vectors (1 = the same). */
  readonly similarity: number;
}

export interface SealedSearchResult {
  readonly modelId: string;
  readonly headId: string;
  /** Images with a sealed embedding from this model's head. */
  readonly indexed: number;
  /** Images of the vault without one yet (classify them with this model). */
  readonly missing: number;
  readonly query: { readonly id: string | null; readonly predicted: string };
  readonly results: SealedSearchHit[];
}

export type SealedQuery =
  { readonly image: string } | { readonly file: string; readonly bytes: Uint8Array };

export interface SealedSearchOptions {
  readonly k?: number;
  readonly workers?: number;
  readonly signal?: AbortSignal;
}

export async function searchSealed(
  vault: UnlockedVault,
  model: LoadedModel,
  query: SealedQuery,
  options: SealedSearchOptions = {},
): Promise<SealedSearchResult> {
  const head = model.embeddingHead;
  if (!head)
    throw new Error(
      `model ${model.id} has no search head: add one with sealsight embedding-head, then classify`,
    );
  const k = options.k ?? 10;
  const stored = [...readClassifications(vault, model.id)].filter(
    ([, s]) => s.embeddingHeadId === head.id && s.embedding !== undefined,
  );
  const missing = vault.catalogue.read.images.list().length - stored.length;
  if (stored.length === 0)
    throw new Error(
      `no image has a sealed embedding from model ${model.id} yet: classify the vault with it`,
    );
  let queryVector: Float32Array;
  let queryId: string | null = null;
  let predicted: string;
  if ('image' in query) {
    const row = findImageRow(vault, query.image);
    const own = stored.find(([uid]) => uid === row.uid)?.[1];
    if (!own)
      throw new Error(
        `image ${row.uid} has no sealed embedding from model ${model.id} yet: classify it`,
      );
    queryVector = retrievalVector(own.scores, own.embedding!);
    queryId = row.uid;
    predicted = own.predicted;
  } else {
    const outputs = await embedFile(model, query.file, query.bytes, options);
    const { scores, embedding } = splitOutputs(outputs, model.file.classes.length);
    queryVector = retrievalVector(scores, embedding);
    predicted = model.file.classes[argmax(scores)]!;
  }
  const rows = new Map(vault.catalogue.read.images.list().map((row) => [row.uid, row]));
  const hits = stored
    .filter(([uid]) => uid !== queryId)
    .map(([uid, s]) => {
      const v = retrievalVector(s.scores, s.embedding!);
      let similarity = 0;
      for (let i = 0; i < v.length; i++) similarity += v[i]! * queryVector[i]!;
      return { uid, predicted: s.predicted, similarity };
    })
    .sort((a, b) => b.similarity - a.similarity || (a.uid < b.uid ? -1 : 1))
    .slice(0, k)
    .map(({ uid, predicted: p, similarity }) => {
      const meta = decryptMeta(vault, rows.get(uid)!);
      return { id: uid, name: meta.name, label: meta.label, predicted: p, similarity };
    });
  return {
    modelId: model.id,
    headId: head.id,
    indexed: stored.length,
    missing,
    query: { id: queryId, predicted },
    results: hits,
  };
}

/** A file's class scores and embedding through the encrypted network (fresh keys). */
async function embedFile(
  model: LoadedModel,
  file: string,
  bytes: Uint8Array,
  options: SealedSearchOptions,
): Promise<Float64Array> {
  const image = await processImage(bytes, file, {
    threshold: model.file.preprocessing.threshold,
    minFeatureChunks: model.file.preprocessing.minFeatureChunks ?? 0,
  });
  const chunks = image.chunks.filter((c) => c.isFeature).map((c) => c.pixels);
  const headed = { ...model, weights: withEmbeddingHead(model.weights, model.embeddingHead!) };
  const result = await inferWithFreshKeys([chunks], headed, {
    layout: 'blocks',
    workers: options.workers,
    signal: options.signal,
  });
  return result.imageScores[0]!;
}
