// A small pool of worker_threads running one module, one job per worker at a time.
// Messages are typed by the caller: the worker module answers each { id, request }
// with { id, ok: true, response } or { id, ok: false, error }.
// Big inputs (an image file's bytes) should be moved, not copied: pass their buffers
// as the transfer list (see transferableBuffers), and the sender's view is emptied.
import { isMarkedAsUntransferable, Worker } from 'node:worker_threads';
import type { TransferListItem } from 'node:worker_threads';

interface PendingJob<Res> {
  resolve(response: Res): void;
  reject(error: Error): void;
}

type Reply<Res> =
  { id: number; ok: true; response: Res } | { id: number; ok: false; error: string };

export class WorkerPool<Req, Res> {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Array<{ id: number; request: Req; transfer: TransferListItem[] }> = [];
  readonly #pending = new Map<number, PendingJob<Res>>();
  readonly #busy = new Map<Worker, number>();
  #nextId = 1;
  #closed = false;

  constructor(moduleUrl: URL, size: number, workerData: unknown) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(moduleUrl, { workerData });
      worker.on('message', (reply: Reply<Res>) => this.#onReply(worker, reply));
      worker.on('error', (error) => this.#onWorkerFailure(worker, error));
      worker.on('exit', (code) => {
        if (!this.#closed)
          this.#onWorkerFailure(worker, new Error(`worker exited with code ${code}`));
      });
      this.#workers.push(worker);
      this.#idle.push(worker);
    }
  }

  get size(): number {
    return this.#workers.length;
  }

  /**
   * Queues one job. `transfer`: buffers moved to the worker when the job is dispatched
   * (the caller must not use them after that); everything else is cloned.
   */
  run(request: Req, transfer: TransferListItem[] = []): Promise<Res> {
    if (this.#closed) return Promise.reject(new Error('worker pool is closed'));
    const id = this.#nextId++;
    return new Promise<Res>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#queue.push({ id, request, transfer });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      this.#pending.get(job.id)?.reject(new Error('worker pool closed'));
      this.#pending.delete(job.id);
    }
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const worker = this.#idle.pop()!;
      const job = this.#queue.shift()!;
      try {
        worker.postMessage({ id: job.id, request: job.request }, job.transfer);
      } catch (error) {
        // An uncloneable request fails alone; the worker never saw it and stays usable.
        this.#idle.push(worker);
        this.#pending
          .get(job.id)
          ?.reject(error instanceof Error ? error : new Error(String(error)));
        this.#pending.delete(job.id);
        continue;
      }
      this.#busy.set(worker, job.id);
    }
  }

  #onReply(worker: Worker, reply: Reply<Res>): void {
    const job = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    this.#busy.delete(worker);
    this.#idle.push(worker);
    if (job) {
      if (reply.ok) job.resolve(reply.response);
      else job.reject(new Error(reply.error));
    }
    this.#dispatch();
  }

  #onWorkerFailure(worker: Worker, error: Error): void {
    const jobId = this.#busy.get(worker);
    if (jobId !== undefined) {
      this.#pending.get(jobId)?.reject(error);
      this.#pending.delete(jobId);
      this.#busy.delete(worker);
    }
    // A crashed worker is not reused; fail everything still queued if none is left.
    const index = this.#workers.indexOf(worker);
    if (index >= 0) this.#workers.splice(index, 1);
    const idleIndex = this.#idle.indexOf(worker);
    if (idleIndex >= 0) this.#idle.splice(idleIndex, 1);
    if (this.#workers.length === 0) {
      for (const job of this.#queue.splice(0)) {
        this.#pending.get(job.id)?.reject(new Error(`all workers failed: ${error.message}`));
        this.#pending.delete(job.id);
      }
    }
  }
}

/**
 * The buffers behind `views` that may be moved to a worker: not shared memory, not
 * Node's pooled small-Buffer slab (moving that would take other Buffers' bytes along,
 * and Node refuses it), each listed once. Only for views whose whole buffer the caller
 * owns and gives up.
 */
export function transferableBuffers(...views: ArrayBufferView[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const view of views) {
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && !isMarkedAsUntransferable(buffer)) out.add(buffer);
  }
  return [...out];
}

/** Runs inside a worker: answers each request with the handler's result or error message. */
export function serveWorkerRequests<Req, Res>(
  port: {
    on(event: 'message', listener: (message: { id: number; request: Req }) => void): unknown;
    postMessage(value: unknown, transfer?: readonly TransferListItem[]): void;
  },
  handle: (request: Req) => Promise<{ response: Res; transfer?: TransferListItem[] }>,
): void {
  port.on('message', ({ id, request }) => {
    handle(request).then(
      ({ response, transfer }) => port.postMessage({ id, ok: true, response }, transfer ?? []),
      (error: unknown) =>
        port.postMessage({
          id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  });
}
