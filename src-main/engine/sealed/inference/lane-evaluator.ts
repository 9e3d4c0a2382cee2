// The evaluator for lane batches (throughput layout) on this machine: one batch per
// evaluation thread at a time (evaluation-pool.ts, the threads a farm node runs too),
// batches spread over the cores. Same setup as the packed evaluator, Galois keys optional.
import { sumProfiles } from './encrypted-evaluator.ts';
import type { EvaluatorSetup } from './encrypted-evaluator.ts';
import { EvaluationPool } from './evaluation-pool.ts';
import { transferableBuffers } from '../../workers/worker-pool.ts';
import { splitHidden } from '../layouts/lanes/lane-cnn-engine.ts';
import type { HiddenRange } from '../layouts/lanes/lane-cnn-engine.ts';

export interface LaneBatchJob {
  /** 784 serialised ciphertexts: ciphertext p holds pixel p of every lane. */
  readonly inputs: readonly Uint8Array[];
  /** Only these hidden units (a share of the batch); all when absent. */
  readonly hidden?: HiddenRange;
}

export interface LaneBatchResult {
  /**
   * Per part, one ciphertext per class; lane l holds chunk l's score (without fc2's
   * bias). A batch split over several workers returns one part per worker: the
   * decrypted parts add up to the scores (`decryptLaneParts`).
   */
  readonly parts: Uint8Array[][];
  /** Worker seconds, summed over the parts. */
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
  readonly #pool: EvaluationPool;
  readonly #hidden: number;

  constructor(setup: LaneEvaluatorSetup, options: { workers?: number } = {}) {
    this.#pool = new EvaluationPool(setup, { threads: options.workers });
    this.#hidden = setup.weights.architecture.hidden;
  }

  /**
   * Evaluates a batch, split by hidden units into `parts` shares run on as many workers
   * at once: one batch alone then still uses every core (each share repeats only the
   * conv outputs its units read).
   */
  async evaluateBatch(
    job: Omit<LaneBatchJob, 'hidden'>,
    options: { parts?: number; transfer?: boolean } = {},
  ): Promise<LaneBatchResult> {
    const ranges = splitHidden(this.#hidden, options.parts ?? 1);
    // With `transfer` the caller gives the inputs up: a batch run whole moves them to its
    // worker (emptying the caller's views) instead of holding a copy on each side. A batch
    // cut into shares is copied to each (they run at once).
    const move = options.transfer && ranges.length === 1 ? transferableBuffers(...job.inputs) : [];
    const shares = await Promise.all(
      ranges.map((hidden) =>
        this.#pool.run(
          {
            kind: 'lanes',
            inputs: job.inputs,
            hidden: ranges.length > 1 ? hidden : null,
          },
          move,
        ),
      ),
    );
    return {
      parts: shares.map((share) => share.results[0]!),
      seconds: shares.reduce((total, share) => total + share.seconds, 0),
      profileMs: sumProfiles(shares.map((share) => share.profileMs)),
    };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
