// verifyVault's part for what the vault stores about its images besides the images
// themselves: classifications, obfuscated-tier embeddings, review states, the vault's
// own models and its settings. Each is AES-GCM-authenticated; a tag that holds only
// proves the blob is ours, so each is also parsed and checked for the shape its readers
// rely on (finite scores, a class index in range, the right embedding length). Rows
// whose image is gone are reported too: the foreign keys cascade deletes, so such a row
// was written behind SQLite's back.
import { IntegrityError, openAead } from '../crypto/index.ts';
import { CHUNK_COUNT } from '../../../src-shared/domain/geometry.ts';
import { argmax } from '../sealed/model/chunk-cnn.ts';
import { EMBEDDING_SIZE } from '../obfuscated/architectures.ts';
import type { ImageItemRow } from './catalogue/index.ts';
import type { StoredClassification } from './classify.ts';
import { imagePartAad } from './item-aad.ts';
import { obfEmbeddingAad } from './obfuscated/obf-embeddings.ts';
import { openReviewState } from './sealed-review.ts';
import { openVaultModel } from './vault-models.ts';
import { obfKeyById } from './obfuscated/obf-key.ts';
import { loadObfVaultModel } from './obfuscated/obf-vault-models.ts';
import { EVALUATION_SETTING, readEvaluationSetting } from './evaluation-setting.ts';
import { storedSettingNames } from './vault-settings.ts';
import type { UnlockedVault } from './vault.ts';

/**
 * Called once per stored item: runs `fn`, which throws if the item fails; the caller
 * counts the item and records a problem `{ image, item, reason }` on a throw. `image` is
 * an image uid, `model <id>` for a vault model, `setting <name>` for a vault setting, or
 * `image row <n>` for a row whose image is gone. Items: `classification:<model id>`, `obf-embedding:<model id>`, `review`,
 * `model`, `obf-key`, `obf-model`, `setting`. The same shape as verifyLaneBatches' callback.
 */
export type ResultCheck = (image: string, item: string, fn: () => void) => void;

/** A model whose classes a classification is checked against (the vault's own are added). */
export interface KnownModel {
  readonly id: string;
  readonly classes: readonly string[];
}

export function verifyResults(
  vault: UnlockedVault,
  check: ResultCheck,
  options: { models?: readonly KnownModel[] } = {},
): void {
  const classes = new Map((options.models ?? []).map((m) => [m.id, m.classes]));
  const { read } = vault.catalogue;
  for (const { id, model } of read.vaultModels.listById()) {
    check(`model ${id}`, 'model', () => {
      classes.set(id, openVaultModel(vault, id, model).file.classes);
    });
  }
  // The obfuscated tier's keys (wrapped) and models (sealed, bound to this vault's key).
  for (const id of read.obfKeys.ids())
    check(`obfuscation key ${id}`, 'obf-key', () => obfKeyById(vault, id).fill(0));
  for (const id of read.obfModels.ids())
    check(`obfuscated-tier model ${id}`, 'obf-model', () => loadObfVaultModel(vault, id));
  // The vault's settings: sealed values, their secrets, and the shape their readers rely on.
  for (const name of storedSettingNames(vault))
    check(`setting ${name}`, 'setting', () => {
      if (name !== EVALUATION_SETTING) throw new Error('not a setting this SealSight stores');
      readEvaluationSetting(vault);
    });
  const each = (
    list: readonly ImageItemRow[],
    item: (modelId: string) => string,
    open: (uid: string, modelId: string, blob: Buffer) => void,
  ) => {
    for (const { imageId, uid, modelId, blob } of list) {
      if (uid === null)
        check(`image row ${imageId}`, item(modelId), () => {
          throw new Error(`stored for image row ${imageId}, which does not exist`);
        });
      else check(uid, item(modelId), () => open(uid, modelId, blob));
    }
  };
  each(
    read.classifications.forVerify(),
    (modelId) => `classification:${modelId}`,
    (uid, modelId, blob) =>
      openStoredClassification(vault, uid, modelId, blob, classes.get(modelId)),
  );
  each(
    read.embeddings.forVerify(),
    (modelId) => `obf-embedding:${modelId}`,
    (uid, modelId, blob) => checkObfResult(vault, uid, modelId, blob),
  );
  each(
    read.reviews.forVerify(),
    () => 'review',
    (uid, _, blob) => openReviewState(vault.sealingKeys, uid, blob),
  );
}

/**
 * Opens one stored classification and checks its shape; throws naming the image and the
 * model. With the model's classes, also checks the class count and the predicted name.
 * One row at a time, so a reader can skip a bad row and keep the others.
 */
export function openStoredClassification(
  vault: UnlockedVault,
  uid: string,
  modelId: string,
  blob: Uint8Array,
  classes?: readonly string[],
): StoredClassification {
  const what = `classification by model ${modelId} of image ${uid}`;
  const aad = imagePartAad(vault.vaultId, uid, `classification:${modelId}`);
  const c = parseJson(openAead(vault.sealingKeys.blobKey, blob, aad, what), what);
  const fail = (why: string): never => {
    throw new IntegrityError(what, why);
  };
  if (c.modelId !== modelId) fail(`it names model ${String(c.modelId)}`);
  const scores = finiteArray(c.scores) ?? fail('its scores are not finite numbers');
  if (scores.length === 0) fail('it has no scores');
  if (!isIndex(c.classIndex, scores.length)) fail('its class index is out of range');
  if (c.classIndex !== argmax(scores)) fail('its class index is not the top score');
  if (typeof c.predicted !== 'string') fail('it has no predicted class');
  if (classes && scores.length !== classes.length)
    fail(`${scores.length} scores for the model's ${classes.length} classes`);
  if (classes && c.predicted !== classes[c.classIndex as number])
    fail(`predicted ${String(c.predicted)} is not the model's class ${String(c.classIndex)}`);
  if (!isIndex(c.chunksUsed, CHUNK_COUNT + 1)) fail('its chunk count is out of range');
  if (!isSeconds(c.seconds) || !isSeconds(c.workerSeconds)) fail('its timings are not seconds');
  // A sealed search embedding (a model with a search head): unit length, with its head.
  if (c.embedding !== undefined || c.embeddingHeadId !== undefined) {
    const embedding = finiteArray(c.embedding) ?? fail('its embedding is not finite numbers');
    const norm = Math.hypot(...embedding);
    if (embedding.length === 0 || Math.abs(norm - 1) > 1e-6)
      fail('its embedding is not unit length');
    if (typeof c.embeddingHeadId !== 'string') fail('its embedding names no search head');
  }
  return c as unknown as StoredClassification;
}

/** An obfuscated-tier result: tag, class index, scores, a 512-float embedding, all finite. */
function checkObfResult(
  vault: UnlockedVault,
  uid: string,
  modelId: string,
  blob: Uint8Array,
): void {
  const what = `obfuscated-tier embedding by model ${modelId} of image ${uid}`;
  const aad = obfEmbeddingAad(vault.vaultId, uid, modelId);
  const r = parseJson(openAead(vault.sealingKeys.blobKey, blob, aad, what), what);
  const fail = (why: string): never => {
    throw new IntegrityError(what, why);
  };
  const scores = finiteArray(r.scores) ?? fail('its scores are not finite numbers');
  if (!isIndex(r.classIndex, scores.length)) fail('its class index is out of range');
  if (typeof r.predicted !== 'string') fail('it has no predicted class');
  if (typeof r.embedding !== 'string') fail('it has no embedding');
  const raw = Buffer.from(r.embedding as string, 'base64');
  if (raw.length !== EMBEDDING_SIZE * 4)
    fail(`its embedding has ${raw.length / 4} values, not ${EMBEDDING_SIZE}`);
  for (let i = 0; i < EMBEDDING_SIZE; i++)
    if (!Number.isFinite(raw.readFloatLE(i * 4))) fail(`embedding value ${i} is not finite`);
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new IntegrityError(what, 'not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new IntegrityError(what, 'not a JSON object');
  return parsed as Record<string, unknown>;
}

function finiteArray(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v))
    ? (value as number[])
    : undefined;
}

function isIndex(value: unknown, length: number): boolean {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < length;
}

function isSeconds(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
