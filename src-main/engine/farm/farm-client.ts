// The key holder's side of the farm: uploads a key set's evaluation keys and a model's
// weights once (content-addressed; already there means not sent again), turns each
// evaluation task into a job of references, waits for its result and hands back the
// encrypted outputs. It never sees a node and never sends anything secret: the secret key
// and every AES or MAC key stay in the key holder, which decrypts and checks each result.
//
// Jobs have ids derived from their content (farm-wire.ts), so a classify that is run again
// after an interruption finds its earlier jobs: a finished one is collected, a running one
// is waited for, a failed one is submitted afresh, and only work never submitted is sent.
import { Queue, QueueEvents, type Job } from 'bullmq';
import type {
  EvaluationOutput,
  EvaluationSetup,
  EvaluationTask,
} from '../sealed/inference/evaluation-task.ts';
import { DEFAULT_PREFIX } from './blob-layout.ts';
import { BlobMissingError } from './blob-errors.ts';
import { BlobStore } from './blob-store.ts';
import { openBroker, type BrokerConnection } from './broker-connection.ts';
import { parseBrokerUrl } from './broker-url.ts';
import {
  encodeWeights,
  EVALUATION_QUEUE,
  FarmResultSchema,
  jobIdOf,
  JOB_FORMAT,
  JOB_VERSION,
  keysetDigest,
  packBlobs,
  unpackBlobs,
  type FarmJob,
  type FarmResult,
} from './farm-wire.ts';
import { readNodeRecords, type NodeRecord } from './node-registry.ts';

export interface FarmClientOptions {
  /** redis://[user:password@]host:port */
  readonly broker: string;
  readonly prefix?: string;
  /** How long key sets, models, inputs and results stay in the broker; default 24 h. */
  readonly blobTtlMs?: number;
  /** Attempts per job before it is reported failed; default 3. */
  readonly attempts?: number;
  readonly connectTimeoutMs?: number;
  /** How often a job's state is read when no event has arrived; default 1 s. */
  readonly pollMs?: number;
}

/** The key set and model of a classify, as jobs name them (both already in the broker). */
export interface FarmSetup {
  readonly keyset: FarmJob['keyset'];
  readonly model: FarmJob['model'];
  readonly packingId: string;
  /** Result ciphertexts a lane job must return (one per class); checked, never sent. */
  readonly classes: number;
}

export interface FarmTraffic {
  /** Jobs added to the queue by this client. */
  submitted: number;
  /** Jobs found finished or under way from an earlier run, so not submitted again. */
  collected: number;
  /** Blobs not uploaded because the broker already held them. */
  uploadsSkipped: number;
  bytesSent: number;
  bytesReceived: number;
  /** Seconds this client spent in broker calls (uploads, downloads, queue operations). */
  brokerSeconds: number;
  /** What the nodes reported: evaluation seconds, and seconds spent on blobs. */
  nodeSeconds: number;
  nodeBrokerSeconds: number;
  /** Jobs collected, per node that ran them. */
  byNode: Record<string, number>;
}

export type FarmOutput = EvaluationOutput & { readonly node: string; readonly collected: boolean };

/** A job that failed on every attempt: its reason, as the node reported it. */
export class FarmJobError extends Error {
  override name = 'FarmJobError';
}

export const DEFAULT_BLOB_TTL_MS = 24 * 3600 * 1000;

export class FarmClient {
  readonly broker: string;
  readonly #connection: BrokerConnection;
  readonly #store: BlobStore;
  readonly #queue: Queue<FarmJob, FarmResult>;
  readonly #events: QueueEvents;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #attempts: number;
  readonly #pollMs: number;
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #inputUsers = new Map<string, number>();
  readonly #laneUploads = new WeakMap<readonly Uint8Array[], Promise<string>>();
  readonly traffic: FarmTraffic = {
    submitted: 0,
    collected: 0,
    uploadsSkipped: 0,
    bytesSent: 0,
    bytesReceived: 0,
    brokerSeconds: 0,
    nodeSeconds: 0,
    nodeBrokerSeconds: 0,
    byNode: {},
  };

  private constructor(connection: BrokerConnection, options: FarmClientOptions) {
    this.#connection = connection;
    this.broker = connection.broker;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#ttlMs = options.blobTtlMs ?? DEFAULT_BLOB_TTL_MS;
    this.#attempts = options.attempts ?? 3;
    this.#pollMs = options.pollMs ?? 1000;
    this.#store = new BlobStore(connection.redis, { prefix: this.#prefix, broker: this.broker });
    const redisOptions = parseBrokerUrl(options.broker);
    this.#queue = new Queue(EVALUATION_QUEUE, { connection: redisOptions, prefix: this.#prefix });
    this.#events = new QueueEvents(EVALUATION_QUEUE, {
      connection: { ...redisOptions, maxRetriesPerRequest: null },
      prefix: this.#prefix,
    });
    const wake = ({ jobId }: { jobId: string }) => {
      for (const waiter of this.#waiters.get(jobId) ?? []) waiter();
    };
    this.#events.on('completed', wake);
    this.#events.on('failed', wake);
    // Errors of these connections are ridden out by ioredis's reconnect; the state polls
    // below carry on meanwhile. Without a listener an error event would end the process.
    this.#queue.on('error', () => {});
    this.#events.on('error', () => {});
  }

  /** Connects; a wrong password or an unreachable broker fails here, naming the broker. */
  static async connect(options: FarmClientOptions): Promise<FarmClient> {
    const connection = await openBroker(options.broker, {
      connectTimeoutMs: options.connectTimeoutMs,
    });
    const client = new FarmClient(connection, options);
    try {
      await Promise.all([client.#queue.waitUntilReady(), client.#events.waitUntilReady()]);
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Puts the evaluation keys and the weights in the broker (unless there already). */
  async prepare(
    setup: EvaluationSetup,
    ids: { keysetId: number; modelId: string },
  ): Promise<FarmSetup> {
    const relinKeys = await this.#put(setup.keys.relinKeys);
    const galoisKeys = setup.keys.galoisKeys ? await this.#put(setup.keys.galoisKeys) : null;
    const weights = await this.#put(encodeWeights(setup.weights));
    return {
      keyset: {
        id: ids.keysetId,
        digest: keysetDigest(setup.presetId, relinKeys, galoisKeys),
        presetId: setup.presetId,
        relinKeys,
        galoisKeys,
      },
      model: { id: ids.modelId, weights, scoreScale: setup.scoreScale },
      packingId: setup.packingId,
      classes: setup.weights.architecture.classes,
    };
  }

  /** Runs one task on the farm (or collects it from an earlier run) and returns its outputs. */
  async run(setup: FarmSetup, task: EvaluationTask, signal?: AbortSignal): Promise<FarmOutput> {
    const inputDigest = await this.#putInputs(task);
    // Shares of one lane batch name the same inputs: the last one to finish removes them.
    this.#inputUsers.set(inputDigest, (this.#inputUsers.get(inputDigest) ?? 0) + 1);
    try {
      return await this.#submitAndCollect(setup, task, inputDigest, signal);
    } finally {
      const users = this.#inputUsers.get(inputDigest)! - 1;
      if (users > 0) this.#inputUsers.set(inputDigest, users);
      else this.#inputUsers.delete(inputDigest);
    }
  }

  /**
   * The task's ciphertexts, framed into one blob and put in the broker. The shares of one
   * lane batch carry the same inputs array: it is framed and uploaded once for all of them
   * (each share checking the broker on its own would upload the ~180 MB once per share).
   */
  #putInputs(task: EvaluationTask): Promise<string> {
    if (task.kind === 'blocks')
      return this.#put(packBlobs(task.images.flatMap((i) => i.ciphertexts)));
    let upload = this.#laneUploads.get(task.inputs);
    if (!upload) {
      upload = this.#put(packBlobs(task.inputs));
      this.#laneUploads.set(task.inputs, upload);
      upload.catch(() => this.#laneUploads.delete(task.inputs));
    }
    return upload;
  }

  async #submitAndCollect(
    setup: FarmSetup,
    task: EvaluationTask,
    inputDigest: string,
    signal: AbortSignal | undefined,
    resubmit = false,
  ): Promise<FarmOutput> {
    const job: FarmJob = {
      format: JOB_FORMAT,
      version: JOB_VERSION,
      keyset: setup.keyset,
      model: setup.model,
      task:
        task.kind === 'lanes'
          ? { kind: 'lanes', hidden: task.hidden }
          : {
              kind: 'blocks',
              packingId: setup.packingId,
              combine: task.combine,
              images: task.images.map((image) => [...image.occupiedBlocks]),
            },
      inputs: inputDigest,
      resultTtlMs: this.#ttlMs,
    };
    const jobId = jobIdOf(job);
    let collected = false;
    let finished = await this.#timed(() => this.#queue.getJob(jobId));
    const state = finished ? await this.#timed(() => finished!.getState()) : 'unknown';
    if (state === 'failed' || (resubmit && finished)) {
      await this.#timed(() => finished!.remove());
      finished = undefined;
    } else if (state !== 'unknown') collected = true;
    if (!finished) {
      await this.#timed(() =>
        this.#queue.add(task.kind, job, {
          jobId,
          attempts: this.#attempts,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: { age: Math.ceil(this.#ttlMs / 1000) },
          removeOnFail: { age: 7 * 24 * 3600 },
        }),
      );
      this.traffic.submitted++;
    } else this.traffic.collected++;

    const done = await this.#waitFor(jobId, signal);
    const result = FarmResultSchema.safeParse(done.returnvalue);
    if (!result.success) throw new Error(`the farm returned a malformed result for a job`);
    const { results, counts, node } = result.data;
    let blob: Buffer;
    try {
      blob = await this.#timed(() => this.#store.get(results));
    } catch (error) {
      // A job finished long ago whose result has expired or been evicted: do it again, once.
      if (error instanceof BlobMissingError && collected && !resubmit)
        return this.#submitAndCollect(setup, task, inputDigest, signal, true);
      throw error;
    }
    this.traffic.bytesReceived += blob.byteLength;
    const [owner, ...flat] = unpackBlobs(blob, `the result of a job from node ${node}`);
    if (owner === undefined || Buffer.from(owner).toString() !== jobId)
      throw new Error(`node ${node} returned the result of another job`);
    checkCounts(task, setup.classes, counts, flat.length, node);
    let next = 0;
    const grouped = counts.map((count) => flat.slice(next, (next += count)));
    this.traffic.nodeSeconds += result.data.seconds;
    this.traffic.nodeBrokerSeconds += result.data.brokerSeconds;
    this.traffic.byNode[node] = (this.traffic.byNode[node] ?? 0) + 1;
    // The work is done: the key holder holds the result now, the broker need not.
    await this.#timed(async () => {
      await this.#store.delete(results);
      if (this.#inputUsers.get(inputDigest) === 1) await this.#store.delete(inputDigest);
      await done.remove().catch(() => {});
    });
    return {
      kind: task.kind,
      results: grouped,
      seconds: result.data.seconds,
      rotations: result.data.rotations,
      profileMs: result.data.profileMs,
      node,
      collected,
    };
  }

  /** The nodes announced now. */
  nodes(): Promise<NodeRecord[]> {
    return readNodeRecords(this.#connection.redis, this.#prefix);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#queue.close()]);
    await this.#connection.close();
  }

  async #waitFor(jobId: string, signal?: AbortSignal): Promise<Job<FarmJob, FarmResult>> {
    for (;;) {
      signal?.throwIfAborted();
      const job = await this.#timed(() => this.#queue.getJob(jobId));
      if (!job) throw new Error('an evaluation job vanished from the broker before it finished');
      const state = await this.#timed(() => job.getState());
      if (state === 'completed') return job;
      if (state === 'failed')
        throw new FarmJobError(
          `evaluation failed after ${job.attemptsMade} attempt(s): ${job.failedReason}`,
        );
      await this.#sleep(jobId, signal);
    }
  }

  /** Until the job's next event, the poll interval, or the abort, whichever comes first. */
  #sleep(jobId: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(jobId) ?? new Set();
      this.#waiters.set(jobId, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(jobId);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.#pollMs);
      waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async #put(bytes: Uint8Array): Promise<string> {
    const put = await this.#timed(() => this.#store.put(bytes, this.#ttlMs));
    if (put.uploaded) this.traffic.bytesSent += put.bytes;
    else this.traffic.uploadsSkipped++;
    return put.digest;
  }

  async #timed<T>(call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.traffic.brokerSeconds += (performance.now() - started) / 1000;
    }
  }
}

/** A result must have the shape its task asks for; anything else is refused. */
function checkCounts(
  task: EvaluationTask,
  classes: number,
  counts: number[],
  total: number,
  node: string,
): void {
  const sum = counts.reduce((a, b) => a + b, 0);
  const expected =
    task.kind === 'lanes'
      ? null
      : task.images.map((image) => (task.combine === 'image' ? 1 : image.ciphertexts.length));
  const ok =
    sum === total &&
    (expected === null
      ? counts.length === 1 && counts[0] === classes
      : counts.length === expected.length && counts.every((c, i) => c === expected[i]));
  if (!ok) throw new Error(`node ${node} returned a result of the wrong shape`);
}
