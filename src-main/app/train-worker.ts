// Training worker: receives the vault's labelled images (decrypted originals, in memory
// only — no key), runs them through the import pipeline, trains the HE-friendly chunk
// CNN with tfjs (wasm) and posts per-epoch progress; a 'cancel' message stops it after
// the current step.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { TrainingCancelled, processImage } from '../engine/index.ts';
import type { LabelledFolder, LabelledImage } from '../engine/index.ts';
import { trainChunkCnn } from '../engine/sealed-training.ts';

export interface TrainWorkerData {
  readonly images: ReadonlyArray<{ name: string; label: string; bytes: Uint8Array }>;
  readonly classes: readonly string[];
  readonly epochs: number;
  readonly members: number;
  readonly valFraction: number;
  readonly threshold: number;
  readonly minFeatureChunks: number;
  readonly seed: number;
}

export type TrainWorkerMessage =
  | { type: 'load'; done: number; total: number }
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      loss: number;
      validationAccuracy: number | null;
      etaMs: number;
    }
  | {
      type: 'done';
      modelText: string;
      train: number;
      validation: number;
      confusion: number[][] | null;
      seconds: number;
    }
  | { type: 'error'; cancelled: boolean; message: string };

const port = parentPort!;
const data = workerData as TrainWorkerData;
const controller = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') controller.abort();
});
const post = (message: TrainWorkerMessage) => port.postMessage(message);

async function main(): Promise<void> {
  const started = performance.now();
  const images: LabelledImage[] = [];
  const failed: Array<{ name: string; reason: string }> = [];
  for (const [i, image] of data.images.entries()) {
    if (controller.signal.aborted) throw new TrainingCancelled('training cancelled');
    try {
      const processed = await processImage(image.bytes, image.name, {
        threshold: data.threshold,
        minFeatureChunks: data.minFeatureChunks,
      });
      images.push({
        name: image.name,
        classIndex: data.classes.indexOf(image.label),
        hash: createHash('sha256').update(image.bytes).digest('hex'),
        pixels: processed.pixels,
        chunks: processed.chunks.map((c) => c.pixels),
        isFeature: processed.chunks.map((c) => c.isFeature),
      });
    } catch (error) {
      failed.push({
        name: image.name,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    post({ type: 'load', done: i + 1, total: data.images.length });
  }
  const lines = images.map((img) => `${img.hash} ${data.classes[img.classIndex]}`).sort();
  const folder: LabelledFolder = {
    classes: data.classes,
    images,
    dataHash: createHash('sha256').update(lines.join('\n')).digest('hex'),
    threshold: data.threshold,
    minFeatureChunks: data.minFeatureChunks,
    failed,
  };
  const loadSeconds = (performance.now() - started) / 1000;
  const result = await trainChunkCnn(
    folder,
    {
      epochs: data.epochs,
      members: data.members,
      parallelMembers: availableParallelism(),
      valFraction: data.valFraction,
      seed: data.seed,
      threshold: data.threshold,
      minFeatureChunks: data.minFeatureChunks,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase !== 'train') return;
        post({
          type: 'epoch',
          epoch: p.epoch,
          epochs: p.epochs,
          loss: p.loss,
          validationAccuracy: p.validation?.imageAccuracy ?? null,
          etaMs: p.etaMs,
        });
      },
    },
    loadSeconds,
  );
  post({
    type: 'done',
    modelText: result.modelText,
    train: result.report.images.train,
    validation: result.report.images.validation,
    confusion: result.report.validation?.confusion ?? null,
    seconds: (performance.now() - started) / 1000,
  });
}

main().catch((error: unknown) => {
  post({
    type: 'error',
    cancelled: error instanceof TrainingCancelled || controller.signal.aborted,
    message: error instanceof Error ? error.message : String(error),
  });
});
