// Worker thread of the obfuscated tier's embedder (obf-embedder.ts): loads the net once,
// then answers each batch of obfuscated pixels with logits, predictions and embeddings.
import { parentPort, workerData } from 'node:worker_threads';
import { initTfWasm } from '../ml/tf-wasm.ts';
import { serveWorkerRequests } from '../workers/worker-pool.ts';
import type { EmbedRequest, EmbedWorkerModel } from './obf-embedder.ts';
import { instantiateObfNet } from './obf-model-file.ts';
import { runNet } from './obf-net.ts';
import type { NetOutputs } from './obf-net.ts';

if (!parentPort) throw new Error('embed-worker must run as a worker thread');
const model = workerData as EmbedWorkerModel;
const tf = await initTfWasm();
const net = instantiateObfNet(tf, model, `model ${model.id}`);

serveWorkerRequests<EmbedRequest, NetOutputs>(parentPort, async ({ obfuscated, count }) => {
  const out = runNet(tf, net, obfuscated, count);
  return {
    response: out,
    transfer: [out.logits.buffer as ArrayBuffer, out.embeddings.buffer as ArrayBuffer],
  };
});
