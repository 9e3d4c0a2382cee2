// Worker thread that trains an obfuscated-tier model for the app (obf-training.ts): the
// window stays responsive while tfjs trains. It gets the vault's images as N×N gray pixels
// and the vault's obfuscation key — in memory, from the key holder in the same process —
// and returns the model file's text, which names the key and holds none. A 'cancel'
// message stops it after the current step.
import { parentPort, workerData } from 'node:worker_threads';
import { TrainingCancelled, parseObfModel } from '../engine/index.ts';
import type { LoadedObfModel } from '../engine/index.ts';
import { trainObfOnSplit } from '../engine/obfuscated-tier.ts';
import type { ObfTrainReport, VaultObfTraining } from '../engine/obfuscated-tier.ts';

export interface ObfTrainWorkerData {
  readonly prepared: VaultObfTraining;
  readonly epochs: number;
}

export type ObfTrainWorkerMessage =
  | {
      type: 'progress';
      epoch: number;
      epochs: number;
      step: number;
      steps: number;
      loss: number;
      validationAccuracy: number | null;
      etaMs: number;
    }
  | { type: 'done'; modelText: string; model: LoadedObfModel; report: ObfTrainReport }
  | { type: 'error'; cancelled: boolean; message: string };

const port = parentPort!;
const data = workerData as ObfTrainWorkerData;
const controller = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') controller.abort();
});
const post = (message: ObfTrainWorkerMessage) => port.postMessage(message);

async function main(): Promise<void> {
  const { prepared } = data;
  try {
    const { modelText, report } = await trainObfOnSplit(
      prepared.data,
      {
        epochs: data.epochs,
        key: prepared.key,
        signal: controller.signal,
        onProgress: (p) =>
          post({
            type: 'progress',
            epoch: p.epoch,
            epochs: p.epochs,
            step: p.step,
            steps: p.steps,
            loss: p.loss,
            validationAccuracy: p.validationAccuracy,
            etaMs: p.etaMs,
          }),
      },
      prepared.loadSeconds,
    );
    // Parsed here, off the main thread; the key holder checks it is this text's.
    post({ type: 'done', modelText, model: parseObfModel(modelText, 'trained model'), report });
  } finally {
    prepared.key.key.fill(0);
  }
}

main().catch((error: unknown) => {
  post({
    type: 'error',
    cancelled: error instanceof TrainingCancelled || controller.signal.aborted,
    message: error instanceof Error ? error.message : String(error),
  });
});
