// The obfuscated tier inside a vault: `obf index` and `search`.
//
// Where the obfuscation happens: in the key holder's process. For each image without an
// embedding for the model, the original file is decrypted in memory, converted to gray,
// resized to the model's N×N and obfuscated with the model's key; only the obfuscated
// pixels are handed to the net. Its class scores and its 512-d penultimate activations
// (L2-normalised) are then AES-GCM-encrypted under the vault's blob subkey, bound to
// `vault | image | obf-embedding:<model id>`, and stored one transaction per batch: an
// embedding is content (near-duplicates have near-identical embeddings), so it never
// touches the disk in the clear. Search decrypts the embeddings in memory only.
import { openAead, sealAead } from '../../crypto/index.ts';
import { createObfuscator } from '../../obfuscated/arnold-xor.ts';
import { EMBEDDING_SIZE } from '../../obfuscated/architectures.ts';
import { grayAt } from '../../obfuscated/obf-dataset.ts';
import type { LoadedObfModel } from '../../obfuscated/obf-model-file.ts';
import type { ObfEmbedder } from '../../obfuscated/obf-embedder.ts';
import { obfKeyFor } from './obf-key.ts';
import type { ImageRow } from '../catalogue/index.ts';
import { findImageRow, imageRowPages } from '../image-rows.ts';
import { decryptMeta } from '../read-image.ts';
import { openOriginal } from '../sealed-image.ts';
import type { UnlockedVault } from '../vault.ts';

export interface StoredObfResult {
  readonly classIndex: number;
  readonly predicted: string;
  readonly scores: number[];
  readonly embedding: Float32Array;
}

export function obfEmbeddingAad(vaultId: string, imageUid: string, modelId: string): string {
  // The layout of imagePartAad (item-aad.ts) with a part name of its own.
  return `sealsight/v1|vault=${vaultId}|image=${imageUid}|obf-embedding:${modelId}`;
}

function sealResult(vault: UnlockedVault, uid: string, modelId: string, r: StoredObfResult) {
  const body = JSON.stringify({
    classIndex: r.classIndex,
    predicted: r.predicted,
    scores: r.scores,
    embedding: Buffer.from(
      r.embedding.buffer,
      r.embedding.byteOffset,
      r.embedding.byteLength,
    ).toString('base64'),
  });
  return sealAead(
    vault.sealingKeys.blobKey,
    Buffer.from(body),
    obfEmbeddingAad(vault.vaultId, uid, modelId),
  );
}

function openResult(
  vault: UnlockedVault,
  uid: string,
  modelId: string,
  blob: Uint8Array,
): StoredObfResult {
  const bytes = openAead(
    vault.sealingKeys.blobKey,
    blob,
    obfEmbeddingAad(vault.vaultId, uid, modelId),
    `obfuscated-tier embedding of image ${uid}`,
  );
  const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
    classIndex: number;
    predicted: string;
    scores: number[];
    embedding: string;
  };
  const raw = Buffer.from(parsed.embedding, 'base64');
  const embedding = new Float32Array(EMBEDDING_SIZE);
  for (let i = 0; i < EMBEDDING_SIZE; i++) embedding[i] = raw.readFloatLE(i * 4);
  return { ...parsed, embedding };
}

export interface ObfIndexReport {
  readonly modelId: string;
  readonly indexed: Array<{ id: string; name: string; predicted: string }>;
  readonly skipped: number;
  readonly failed: Array<{ id: string; name: string; reason: string }>;
  readonly cancelled: boolean;
  readonly seconds: number;
}

export async function indexObfuscated(
  vault: UnlockedVault,
  model: LoadedObfModel,
  embedder: ObfEmbedder,
  options: {
    batch?: number;
    signal?: AbortSignal;
    onProgress?: (p: { done: number; total: number; etaMs: number | null }) => void;
  } = {},
): Promise<ObfIndexReport> {
  const started = performance.now();
  const size = model.shape.size;
  const key = obfKeyFor(vault, model, `model ${model.id}`);
  const obfuscator = createObfuscator(key, size, model.file.condition);
  key.fill(0);
  const { read } = vault.catalogue;
  const done = new Set(read.embeddings.imageIds(model.id));
  const total = read.images.count();
  const todoCount = Math.max(0, total - done.size);
  const indexed: ObfIndexReport['indexed'] = [];
  const failed: ObfIndexReport['failed'] = [];
  const batchSize = options.batch ?? 64;
  let finished = 0;
  for await (const page of imageRowPages(vault, batchSize)) {
    if (options.signal?.aborted) break;
    const todo = page.filter((row) => !done.has(row.id));
    if (todo.length === 0) continue;
    const batch: Array<{ row: ImageRow; name: string }> = [];
    const obfuscated = new Uint8Array(batchSize * size * size);
    for (const row of todo) {
      let name = row.uid;
      try {
        name = decryptMeta(vault, row).name;
        const original = openOriginal(vault.sealingKeys, row.uid, read.images.original(row.id));
        const gray = await grayAt(original, name, size);
        obfuscated.set(obfuscator.obfuscate(gray), batch.length * size * size);
        gray.fill(0);
        batch.push({ row, name });
      } catch (error) {
        failed.push({
          id: row.uid,
          name,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (batch.length > 0) {
      const out = await embedder.embed(
        obfuscated.subarray(0, batch.length * size * size),
        batch.length,
      );
      const k = model.shape.classes;
      vault.catalogue.write((tx) => {
        batch.forEach(({ row, name }, i) => {
          const classIndex = out.predicted[i]!;
          const result: StoredObfResult = {
            classIndex,
            predicted: model.file.classes[classIndex]!,
            scores: Array.from(out.logits.subarray(i * k, (i + 1) * k)),
            embedding: out.embeddings.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE),
          };
          tx.embeddings.put(row.id, model.id, sealResult(vault, row.uid, model.id, result));
          indexed.push({ id: row.uid, name, predicted: result.predicted });
        });
      });
      out.embeddings.fill(0);
    }
    finished += todo.length;
    const elapsed = performance.now() - started;
    options.onProgress?.({
      done: finished,
      total: todoCount,
      etaMs: (elapsed / finished) * Math.max(0, todoCount - finished),
    });
  }
  return {
    modelId: model.id,
    indexed,
    skipped: done.size,
    failed,
    cancelled: options.signal?.aborted === true && finished < todoCount,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Model ids with stored embeddings in this vault. */
export function obfModelIds(vault: UnlockedVault): string[] {
  return vault.catalogue.read.embeddings.modelIds();
}

export interface StoredEmbeddings {
  readonly rows: ImageRow[];
  readonly results: StoredObfResult[];
}

/**
 * Every stored result of a model, decrypted in memory (key holder), 50 at a time with a
 * turn of the event loop between: the app reads them on its main thread.
 */
export async function readObfResults(
  vault: UnlockedVault,
  modelId: string,
): Promise<StoredEmbeddings> {
  const rows: ImageRow[] = [];
  const results: StoredObfResult[] = [];
  for (let after = 0; ;) {
    const got = vault.catalogue.read.embeddings.page(modelId, after, 50);
    if (got.length === 0) break;
    for (const { row, payload } of got) {
      rows.push(row);
      results.push(openResult(vault, row.uid, modelId, payload));
      after = row.id;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { rows, results };
}

export interface SearchHit {
  readonly id: string;
  readonly name: string;
  readonly label: string | null;
  readonly predicted: string;
  /** Cosine similarity with the query (embeddings are unit vectors). */
  readonly similarity: number;
}

/** Top-k stored images by cosine similarity to `query` (a unit 512-d vector). */
export function searchStored(
  vault: UnlockedVault,
  stored: StoredEmbeddings,
  query: Float32Array,
  k: number,
  excludeUid: string | null,
): SearchHit[] {
  const scored = stored.results.map((r, i) => {
    let s = 0;
    for (let d = 0; d < EMBEDDING_SIZE; d++) s += r.embedding[d]! * query[d]!;
    return { i, s };
  });
  return scored
    .filter(({ i }) => stored.rows[i]!.uid !== excludeUid)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, k)
    .map(({ i, s }) => {
      const row = stored.rows[i]!;
      const meta = decryptMeta(vault, row);
      return {
        id: row.uid,
        name: meta.name,
        label: meta.label,
        predicted: stored.results[i]!.predicted,
        similarity: s,
      };
    });
}

/** The stored result of one image (id or unique prefix) for a model. */
export function storedResultOf(
  vault: UnlockedVault,
  stored: StoredEmbeddings,
  uidOrPrefix: string,
): { row: ImageRow; result: StoredObfResult } {
  const row = findImageRow(vault, uidOrPrefix);
  const index = stored.rows.findIndex((r) => r.id === row.id);
  if (index < 0)
    throw new Error(
      `image ${row.uid} has no embedding for this model yet: run sealsight obf index`,
    );
  return { row, result: stored.results[index]! };
}
