// The obfuscated-tier model file: versioned JSON, validated with zod on load. It holds
// the architecture, class names, input size, obfuscation condition, which obfuscation key
// the net was trained under (the net is useless under any other key), the input
// standardisation, the weights (binary16, base64) and provenance (data hash, seed, epochs,
// validation figures, training time).
//
// The key: a model trained on a vault names the vault's key (vault id + key id, v2) and
// holds no key bytes — the key stays wrapped in the vault (vault/obfuscated/obf-key.ts). Only demo
// models, made for measurement on public data, carry their key in the file, marked as a
// published demo key. Version 1 files (key bytes in the file, demo or not) still load.
//
// The id: a hash over the file's canonical content, so reformatting keeps it; the demo
// models keep the ids earlier versions gave them (ml/model-id.ts).
import type * as Tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { modelIdOf } from '../ml/model-id.ts';
import { parseModelJson, readModelText } from '../ml/model-json.ts';
import type { ModelIdOptions } from '../ml/model-json.ts';
import { OBFUSCATION_CONDITIONS, OBFUSCATION_KEY_BYTES } from './arnold-xor.ts';
import type { ObfuscationCondition } from './arnold-xor.ts';
import {
  ARCHITECTURE_SPECS,
  ARCHITECTURES,
  buildNet,
  COSINE_HEAD,
  EMBEDDING_SIZE,
} from './architectures.ts';
import type { InputNorm, NetShape } from './architectures.ts';
import {
  decodeFloat32Base64,
  decodeHalfBase64,
  encodeFloat32Base64,
  encodeHalfBase64,
} from './float16.ts';
import type { ObfNet } from './obf-net.ts';

export const OBF_MODEL_FORMAT = 'sealsight-obf-net';
export const OBF_MODEL_VERSION = 2;

export const DEMO_KEY_WARNING =
  'DEMO KEY: published with this model file, so anyone can undo the obfuscation of images obfuscated under it. It exists to demonstrate and measure the obfuscated tier; train your own model (sealsight obf train makes a fresh random key) for anything else.';
export const KEY_WARNING =
  'This file holds the obfuscation key the model was trained under: keep it as secret as the images. Obfuscation under a fixed key is not secure against known or chosen plaintexts; use the sealed tier for secrecy.';
export const VAULT_KEY_NOTE =
  'Trained under the obfuscation key of the vault named here; the key is stored wrapped in that vault, not in this file. Obfuscation under a fixed key is not secure against known or chosen plaintexts; use the sealed tier for secrecy.';

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');

export const ObfModelFileSchema = z.object({
  format: z.literal(OBF_MODEL_FORMAT),
  version: z.number().int().positive(),
  architecture: z.object({
    name: z.enum(ARCHITECTURES),
    encoding: z.enum(['intensity', 'bits']),
    bitPlanes: z.number().int().min(1).max(8),
    inputSize: z.number().int().min(4).max(512),
    embeddingSize: z.literal(EMBEDDING_SIZE),
    /** Cosine classifier on the L2-normalised embedding: logit = scale · cos (margin: training only). */
    head: z.object({ type: z.literal('cosine'), scale: z.number().positive(), margin: z.number() }),
    description: z.string(),
  }),
  classes: z.array(z.string().min(1)).min(2),
  condition: z.enum(OBFUSCATION_CONDITIONS as [ObfuscationCondition, ...ObfuscationCondition[]]),
  key: z.union([
    z.object({
      demo: z.boolean(),
      warning: z.string(),
      hex: z.string().regex(new RegExp(`^[0-9a-f]{${2 * OBFUSCATION_KEY_BYTES}}$`)),
    }),
    z.object({
      vault: z.string().min(1),
      keyId: z.number().int().positive(),
      warning: z.string(),
    }),
  ]),
  preprocessing: z.object({
    grayscale: z.literal('BT.601'),
    resize: z.string(),
    size: z.number().int().positive(),
  }),
  inputNorm: z.object({ mean: Base64, scale: Base64 }),
  weights: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().nonnegative()),
      dtype: z.literal('float16'),
      data: Base64,
    }),
  ),
  provenance: z.record(z.string(), z.unknown()).default({}),
});
export type ObfModelFile = z.infer<typeof ObfModelFileSchema>;

/** Where a model's obfuscation key is: in the file (demo models, v1 files) or in a vault. */
export type ObfKeySource =
  | { readonly kind: 'embedded'; readonly demo: boolean; readonly key: Uint8Array }
  | { readonly kind: 'vault'; readonly vaultId: string; readonly keyId: number };

export interface LoadedObfModel {
  /** What stored embeddings are keyed by (ml/model-id.ts): the same however the file is formatted. */
  readonly id: string;
  readonly file: ObfModelFile;
  readonly shape: NetShape;
  readonly keySource: ObfKeySource;
}

/**
 * The key of a model that carries its own (a demo model): a vault-bound model's key is
 * only in its vault (vault/obfuscated/obf-key.ts obfKeyFor), and this says so by name.
 */
export function embeddedKey(loaded: LoadedObfModel, source: string): Uint8Array {
  const ks = loaded.keySource;
  if (ks.kind === 'embedded') return ks.key;
  throw new Error(
    `${source}: trained under the obfuscation key of vault ${ks.vaultId}, which is stored in that vault only: use it with that vault`,
  );
}

/** Whether a model's key is a published demo key (anyone can undo its obfuscation). */
export function hasDemoKey(loaded: LoadedObfModel): boolean {
  return loaded.keySource.kind === 'embedded' && loaded.keySource.demo;
}

export function serializeObfModel(
  net: ObfNet,
  details: {
    classes: readonly string[];
    condition: ObfuscationCondition;
    /** Demo models carry their key; a vault's model names the vault's key instead. */
    key: { demo: Uint8Array } | { vaultId: string; keyId: number };
    provenance: Record<string, unknown>;
  },
): string {
  const { shape } = net;
  const file: ObfModelFile = {
    format: OBF_MODEL_FORMAT,
    version: OBF_MODEL_VERSION,
    architecture: {
      name: shape.arch,
      encoding: ARCHITECTURE_SPECS[shape.arch].encoding,
      bitPlanes: shape.bitPlanes,
      inputSize: shape.size,
      embeddingSize: EMBEDDING_SIZE,
      head: { type: 'cosine', ...COSINE_HEAD },
      description: ARCHITECTURE_SPECS[shape.arch].description,
    },
    classes: [...details.classes],
    condition: details.condition,
    key:
      'demo' in details.key
        ? {
            demo: true,
            warning: DEMO_KEY_WARNING,
            hex: Buffer.from(details.key.demo).toString('hex'),
          }
        : { vault: details.key.vaultId, keyId: details.key.keyId, warning: VAULT_KEY_NOTE },
    preprocessing: {
      grayscale: 'BT.601',
      resize: `${shape.size}×${shape.size}, Lanczos3, aspect ignored (fill)`,
      size: shape.size,
    },
    inputNorm: {
      mean: encodeFloat32Base64(net.norm.mean),
      scale: encodeFloat32Base64(net.norm.scale),
    },
    // The body's weights in layer order, then the cosine head's class vectors [512, classes].
    weights: [
      ...net.model.weights.map((w) => ({
        name: w.name,
        shape: [...w.shape] as number[],
        dtype: 'float16' as const,
        data: encodeHalfBase64(w.read().dataSync() as Float32Array),
      })),
      {
        name: 'cosine_head',
        shape: [...net.head.shape],
        dtype: 'float16' as const,
        data: encodeHalfBase64(net.head.dataSync() as Float32Array),
      },
    ],
    provenance: details.provenance,
  };
  return JSON.stringify(file);
}

export function parseObfModel(
  text: string,
  source: string,
  options: ModelIdOptions = {},
): LoadedObfModel {
  const { file, id } = parseModelJson(
    text,
    source,
    ObfModelFileSchema,
    { description: 'obfuscated-tier model file', version: OBF_MODEL_VERSION },
    options,
  );
  const arch = file.architecture;
  if (ARCHITECTURE_SPECS[arch.name].encoding !== arch.encoding)
    throw new Error(`${source}: architecture ${arch.name} takes ${arch.encoding} input`);
  if (file.preprocessing.size !== arch.inputSize)
    throw new Error(`${source}: preprocessing size differs from the input size`);
  return {
    id,
    file,
    shape: {
      arch: arch.name,
      size: arch.inputSize,
      bitPlanes: arch.bitPlanes,
      classes: file.classes.length,
    },
    keySource:
      'hex' in file.key
        ? {
            kind: 'embedded',
            demo: file.key.demo,
            key: Uint8Array.from(Buffer.from(file.key.hex, 'hex')),
          }
        : { kind: 'vault', vaultId: file.key.vault, keyId: file.key.keyId },
  };
}

/** A model file's id from its text (ml/model-id.ts), without validating the file. */
export function obfModelIdOf(text: string): string {
  return modelIdOf(JSON.parse(text));
}

export async function loadObfModel(path: string): Promise<LoadedObfModel> {
  return parseObfModel(await readModelText(path), path);
}

/** Builds the tf model and loads the file's weights (every shape checked). */
export function instantiateObfNet(
  tf: typeof Tf,
  loaded: Pick<LoadedObfModel, 'file' | 'shape'>,
  source: string,
): ObfNet {
  const { file, shape } = loaded;
  const model = buildNet(tf, shape, 0);
  const expected = [...model.weights.map((w) => w.shape), [EMBEDDING_SIZE, shape.classes]];
  const tensors: Tf.Tensor[] = [];
  try {
    if (expected.length !== file.weights.length)
      throw new Error(
        `${source}: ${file.weights.length} weight tensors, the architecture has ${expected.length}`,
      );
    expected.forEach((wanted, i) => {
      const stored = file.weights[i]!;
      if (stored.shape.join('×') !== wanted.join('×'))
        throw new Error(
          `${source}: weights[${i}] has shape ${stored.shape.join('×')}, expected ${wanted.join('×')}`,
        );
      const values = decodeHalfBase64(
        stored.data,
        stored.shape.reduce((a, b) => a * b, 1),
        `${source}: weights[${i}]`,
      );
      tensors.push(tf.tensor(values, stored.shape));
    });
    const head = tensors.pop()!;
    model.setWeights(tensors);
    tf.dispose(tensors);
    const width = shape.size * shape.size * (arch(shape) === 'bits' ? shape.bitPlanes : 1);
    const norm: InputNorm = {
      mean: decodeFloat32Base64(file.inputNorm.mean, width, `${source}: inputNorm.mean`),
      scale: decodeFloat32Base64(file.inputNorm.scale, width, `${source}: inputNorm.scale`),
    };
    return { model, head, shape, norm };
  } catch (error) {
    model.dispose();
    tf.dispose(tensors);
    throw error;
  }
}

function arch(shape: NetShape): 'bits' | 'intensity' {
  return ARCHITECTURE_SPECS[shape.arch].encoding;
}
