// The evaluator for lane batches (throughput layout): one batch per worker at a
// time, batches spread over the cores. Same setup as the packed evaluator.
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../workers/worker-pool.ts';
import type { EvaluatorSetup } from './encrypted-evaluator.ts';

export interface LaneBatchJob {
  /** 784 serialised ciphertexts: ciphertext p holds pixel p of every lane. */
  readonly inputs: readonly Uint8Array[];
}

export interface LaneBatchResult {
  /** One ciphertext per class; lane l holds chunk l's score (without fc2's bias). */
  readonly results: Uint8Array[];
  readonly seconds: number;
  readonly profileMs: Record<string, number>;
}

/**
 * What a lane worker is given: like EvaluatorSetup, but Galois keys are optional —
 * lanes need no rotation unless the engine sums images under encryption.
 */
export type LaneEvaluatorSetup = Omit<EvaluatorSetup, 'keys'> & {
  readonly keys: { readonly relinKeys: Uint8Array; readonly galoisKeys: Uint8Array | null };
};

export class LaneEvaluator {
  readonly #pool: WorkerPool<LaneBatchJob, LaneBatchResult>;

  constructor(setup: LaneEvaluatorSetup, options: { workers?: number } = {}) {
    this.#pool = new WorkerPool(
      new URL('./lane-evaluator-worker.ts', import.meta.url),
      options.workers ?? availableParallelism(),
      setup,
    );
  }

  evaluateBatch(job: LaneBatchJob): Promise<LaneBatchResult> {
    return this.#pool.run(job);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
