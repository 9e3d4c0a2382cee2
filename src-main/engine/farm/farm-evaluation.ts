// Classify's evaluation backend on a farm: the same setup and tasks as local evaluation
// (sealed/inference/evaluation-backend.ts), carried as BullMQ jobs by a FarmClient. Block images go in
// groups (one job per group, so that a job's cost dwarfs its overhead); a lane batch goes
// as one job per ensemble member's hidden units, so several nodes share one batch without
// any of them repeating another's convolutions. The cut depends only on the model and on
// the images left to do, never on how many nodes there are: a classify run again after an
// interruption makes the same jobs, and collects those already done.
import type { EncryptedImage } from '../sealed/inference/encrypted-evaluator.ts';
import { occupiedBlocksOf, sumProfiles } from '../sealed/inference/encrypted-evaluator.ts';
import type { EvaluationBackend } from '../sealed/inference/evaluation-backend.ts';
import { splitHidden } from '../sealed/layouts/lanes/lane-cnn-engine.ts';
import { chunkPackingById } from '../sealed/layouts/blocks/chunk-packing.ts';
import type { FarmClient } from './farm-client.ts';
import type { NodeRecord } from './node-registry.ts';

export interface FarmEvaluationOptions {
  /** Block images per job; default 4. */
  readonly groupSize?: number;
  /** Lane batches in the broker at once (each ~180 MB); default 2 per node, at most 4. */
  readonly laneBatchesInFlight?: number;
}

const NODE_REFRESH_MS = 5_000;

export function farmEvaluation(
  client: FarmClient,
  options: FarmEvaluationOptions = {},
): EvaluationBackend & { refreshNodes(): Promise<NodeRecord[]>; stop(): void } {
  let nodes: NodeRecord[] = [];
  const refreshNodes = async () => {
    try {
      nodes = await client.nodes();
    } catch {
      // Keep the last known nodes; the jobs themselves report a lost broker.
    }
    return nodes;
  };
  const timer = setInterval(() => void refreshNodes(), NODE_REFRESH_MS);
  timer.unref();
  const slots = () =>
    Math.max(
      1,
      nodes.reduce((total, node) => total + node.concurrency, 0),
    );
  const groupSize = Math.max(1, options.groupSize ?? 4);

  return {
    where: `the evaluation farm at ${client.broker}`,
    nodes: () => nodes.length,
    refreshNodes,
    stop: () => clearInterval(timer),
    async blocks(setup, ids) {
      await refreshNodes();
      const farmSetup = await client.prepare(setup, ids);
      const per = chunkPackingById(setup.packingId).chunksPerCiphertext;
      return {
        groupSize,
        inFlight: Math.min(32, Math.max(4, 2 * slots())),
        async evaluate(images: readonly EncryptedImage[], signal?: AbortSignal) {
          const output = await client.run(
            farmSetup,
            {
              kind: 'blocks',
              combine: 'image',
              images: images.map((image) => ({
                ciphertexts: image.ciphertexts,
                occupiedBlocks: occupiedBlocksOf(image, per),
              })),
            },
            signal,
          );
          // The node's seconds are shared out over the group's images by their ciphertexts.
          const ciphertexts = images.reduce((total, image) => total + image.ciphertexts.length, 0);
          return images.map((image, i) => ({
            id: image.id,
            result: output.results[i]![0]!,
            workerSeconds: (output.seconds * image.ciphertexts.length) / ciphertexts,
            rotations: Math.round((output.rotations * image.ciphertexts.length) / ciphertexts),
            profileMs: {},
          }));
        },
        close: async () => {},
      };
    },
    async lanes(setup, ids) {
      await refreshNodes();
      const farmSetup = await client.prepare(setup, ids);
      const members = Math.max(1, setup.weights.architecture.members ?? 1);
      return {
        schedule: (batches) => ({
          concurrent: Math.max(
            1,
            Math.min(batches, options.laneBatchesInFlight ?? Math.min(4, 2 * nodes.length || 2)),
          ),
          parts: members,
        }),
        async evaluateBatch(inputs, { parts, signal }) {
          const ranges = splitHidden(setup.weights.architecture.hidden, parts);
          const shares = await Promise.all(
            ranges.map((hidden) =>
              client.run(
                farmSetup,
                { kind: 'lanes', inputs, hidden: ranges.length > 1 ? hidden : null },
                signal,
              ),
            ),
          );
          return {
            parts: shares.map((share) => share.results[0]!),
            seconds: shares.reduce((total, share) => total + share.seconds, 0),
            profileMs: sumProfiles(shares.map((share) => share.profileMs)),
          };
        },
        close: async () => {},
      };
    },
  };
}
