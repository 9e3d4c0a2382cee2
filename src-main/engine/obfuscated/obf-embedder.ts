// Running an obfuscated-tier net on OBFUSCATED pixels, behind one small interface, so the
// vault's indexing code does not care where the net runs: in this thread (the CLI, tests)
// or in a worker thread (the app, whose main thread must stay responsive while a vault of
// thousands of images is indexed). The worker gets the model's architecture and weights
// and obfuscated pixels only — never a key, never a plaintext pixel.
import type * as Tf from '@tensorflow/tfjs';
import { instantiateObfNet } from './obf-model-file.ts';
import type { LoadedObfModel } from './obf-model-file.ts';
import { disposeNet, runNet } from './obf-net.ts';
import type { NetOutputs } from './obf-net.ts';
import { WorkerPool } from '../workers/worker-pool.ts';

export interface ObfEmbedder {
  /** Class logits, predictions and unit embeddings of `count` obfuscated N×N images. */
  embed(obfuscated: Uint8Array, count: number): Promise<NetOutputs>;
  dispose(): Promise<void>;
}

/** What the embedding worker is given: the net, not the key. */
export type EmbedWorkerModel = Pick<LoadedObfModel, 'id' | 'file' | 'shape'>;

export interface EmbedRequest {
  readonly obfuscated: Uint8Array;
  readonly count: number;
}

export function modelForWorker(model: LoadedObfModel): EmbedWorkerModel {
  // The file's key field of a vault model names the vault key; a demo model's is published.
  return { id: model.id, file: model.file, shape: model.shape };
}

export async function inThreadEmbedder(
  tf: typeof Tf,
  model: LoadedObfModel,
  source: string,
): Promise<ObfEmbedder> {
  const net = instantiateObfNet(tf, model, source);
  return {
    embed: async (obfuscated, count) => runNet(tf, net, obfuscated, count),
    dispose: async () => disposeNet(net),
  };
}

/** One worker thread with its own tfjs (wasm) instance holding the net. */
export function workerEmbedder(model: LoadedObfModel): ObfEmbedder {
  const pool = new WorkerPool<EmbedRequest, NetOutputs>(
    new URL('./embed-worker.ts', import.meta.url),
    1,
    modelForWorker(model),
  );
  return {
    embed: (obfuscated, count) =>
      pool.run({ obfuscated, count }, [obfuscated.buffer as ArrayBuffer]),
    dispose: () => pool.close(),
  };
}
