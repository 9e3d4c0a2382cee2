// A pool of evaluation threads for one setup: what both the key holder (local evaluation)
// and a farm's evaluator node run tasks on. One task per thread at a time.
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../../workers/worker-pool.ts';
import type { EvaluationOutput, EvaluationSetup, EvaluationTask } from './evaluation-task.ts';

export class EvaluationPool {
  readonly #pool: WorkerPool<EvaluationTask, EvaluationOutput>;

  constructor(setup: EvaluationSetup, options: { threads?: number } = {}) {
    this.#pool = new WorkerPool(
      new URL('./evaluation-worker.ts', import.meta.url),
      Math.max(1, options.threads ?? availableParallelism()),
      setup,
    );
  }

  get threads(): number {
    return this.#pool.size;
  }

  /** `transfer`: buffers of the task moved to its thread, not copied (see WorkerPool.run). */
  run(task: EvaluationTask, transfer: readonly ArrayBuffer[] = []): Promise<EvaluationOutput> {
    return this.#pool.run(task, [...transfer]);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
