// Long jobs (import, classify, train): one AbortController each, progress events with
// an ETA, and a final phase event. At most one job runs at a time: every one of them
// already spreads over all cores (import and HE workers, the training worker).
import type { JobKind, ProgressEvent } from '../../src-shared/contract/ipc.ts';

export class JobBusyError extends Error {
  override name = 'JobBusyError';
}

export interface JobContext {
  readonly signal: AbortSignal;
  progress(
    done: number,
    total: number,
    etaMs: number | null,
    message: string,
    metrics?: Record<string, number>,
  ): void;
}

export class Jobs {
  readonly #running = new Map<string, { controller: AbortController; promise: Promise<unknown> }>();
  readonly #emit: (event: ProgressEvent) => void;

  constructor(emit: (event: ProgressEvent) => void) {
    this.#emit = emit;
  }

  get busy(): boolean {
    return this.#running.size > 0;
  }

  async run<T>(
    jobId: string,
    kind: JobKind,
    work: (ctx: JobContext) => Promise<T>,
    outcome: (result: T) => { cancelled: boolean; message: string },
  ): Promise<T> {
    if (this.#running.has(jobId)) throw new JobBusyError(`job ${jobId} is already running`);
    if (this.busy) throw new JobBusyError('another job is running; wait for it or cancel it');
    const controller = new AbortController();
    let last = { done: 0, total: 0 };
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (done, total, etaMs, message, metrics) => {
        last = { done, total };
        this.#emit({
          jobId,
          kind,
          phase: 'running',
          done: Math.max(0, Math.round(done)),
          total: Math.max(0, Math.round(total)),
          etaSeconds: etaMs === null || !Number.isFinite(etaMs) ? null : Math.max(0, etaMs / 1000),
          message,
          ...(metrics ? { metrics } : {}),
        });
      },
    };
    const promise = work(ctx);
    this.#running.set(jobId, { controller, promise });
    try {
      const result = await promise;
      const { cancelled, message } = outcome(result);
      this.#emit({
        jobId,
        kind,
        phase: cancelled ? 'cancelled' : 'done',
        ...last,
        etaSeconds: 0,
        message,
      });
      return result;
    } catch (error) {
      const cancelled = controller.signal.aborted;
      this.#emit({
        jobId,
        kind,
        phase: cancelled ? 'cancelled' : 'failed',
        ...last,
        etaSeconds: null,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      this.#running.delete(jobId);
    }
  }

  cancel(jobId: string): boolean {
    const job = this.#running.get(jobId);
    if (!job) return false;
    job.controller.abort();
    return true;
  }

  /** Cancels every job and waits until each has wound down (used before locking). */
  async cancelAll(): Promise<void> {
    const all = [...this.#running.values()];
    for (const job of all) job.controller.abort();
    await Promise.allSettled(all.map((job) => job.promise));
  }
}
