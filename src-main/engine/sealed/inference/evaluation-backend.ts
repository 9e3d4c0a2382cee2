// Where encrypted inference runs, as classify sees it: on this computer's evaluation
// threads, or on an evaluation farm (farm/farm-evaluation.ts). Both take the same setup
// (evaluation keys and weights, never a secret key) and the same tasks, and give back the
// same encrypted outputs; classify does not know which it has. What differs is how work
// is best cut: locally one image per call with each of its ciphertexts on its own core,
// on a farm images in groups and lane batches in shares that different nodes can take.
import { availableParallelism } from 'node:os';
import { EncryptedEvaluator } from './encrypted-evaluator.ts';
import type {
  EncryptedImage,
  EncryptedImageResult,
  EvaluatorSetup,
} from './encrypted-evaluator.ts';
import { LaneEvaluator } from './lane-evaluator.ts';
import { laneSchedule } from '../layouts/lanes/lane-schedule.ts';
import type { LaneBatchResult, LaneEvaluatorSetup } from './lane-evaluator.ts';

/** Names that travel with a setup (not secret): the vault's key set number, the model id. */
export interface SetupIds {
  readonly keysetId: number;
  readonly modelId: string;
}

export interface BlockEvaluation {
  /** Images per evaluate() call that suit this backend, and calls to keep in flight. */
  readonly groupSize: number;
  readonly inFlight: number;
  evaluate(
    images: readonly EncryptedImage[],
    signal?: AbortSignal,
  ): Promise<EncryptedImageResult[]>;
  close(): Promise<void>;
}

export interface LaneEvaluation {
  /** Batches to have in flight at once, and shares to cut each batch into. */
  schedule(batches: number): { concurrent: number; parts: number };
  /** The inputs are the evaluation's from then on: it may move them (emptying the views). */
  evaluateBatch(
    inputs: readonly Uint8Array[],
    options: { parts: number; signal?: AbortSignal },
  ): Promise<LaneBatchResult>;
  close(): Promise<void>;
}

export interface EvaluationBackend {
  /** Where it evaluates, for reports: this computer, or a farm's broker without password. */
  readonly where: string;
  blocks(setup: EvaluatorSetup, ids: SetupIds): Promise<BlockEvaluation>;
  lanes(setup: LaneEvaluatorSetup, ids: SetupIds): Promise<LaneEvaluation>;
  /** Evaluator nodes announced now (a farm), for progress. */
  nodes?(): number;
}

/** This computer's evaluation threads (one per core unless `workers` says otherwise). */
export function localEvaluation(options: { workers?: number } = {}): EvaluationBackend {
  const threads = Math.max(1, options.workers ?? availableParallelism());
  return {
    where: `this computer (${threads} evaluation thread${threads === 1 ? '' : 's'})`,
    async blocks(setup) {
      const evaluator = await EncryptedEvaluator.create(setup, { workers: threads });
      return {
        groupSize: 1,
        // Two images in flight per thread keep every core busy without holding the whole
        // vault's ciphertexts in memory.
        inFlight: threads * 2,
        evaluate: (images) => evaluator.evaluate(images),
        close: () => evaluator.close(),
      };
    },
    async lanes(setup) {
      const evaluator = new LaneEvaluator(setup, { workers: threads });
      return {
        schedule: (batches) => laneSchedule(threads, batches),
        evaluateBatch: (inputs, { parts }) =>
          evaluator.evaluateBatch({ inputs }, { parts, transfer: true }),
        close: () => evaluator.close(),
      };
    },
  };
}
