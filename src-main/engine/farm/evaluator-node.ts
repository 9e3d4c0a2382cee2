// An evaluator node: a headless process that takes evaluation jobs from the broker's BullMQ
// queue and runs them on its evaluation threads (sealed/inference/evaluation-pool.ts — the same threads
// and the same task code as the key holder's own evaluation). It has no vault, no
// passphrase and no secret, MAC or AES key: a job names blobs (keys, weights, ciphertexts)
// by digest; the node fetches them, verified, keeps key sets and models in a cache bounded
// by its memory budget, and puts the encrypted result back as a blob.
//
// Failures that a retry cannot mend (a malformed job, a key set, model or input that the
// broker does not hold) fail the job at once with that reason; anything else is retried
// by BullMQ with back-off. A node that dies mid-job loses its lock, and the job is taken by
// another node (stalled-job recovery); close() lets running jobs finish first.
import { availableParallelism, hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { EvaluationPool } from '../sealed/inference/evaluation-pool.ts';
import { LANE_PACKING_ID } from '../sealed/layouts/layout.ts';
import type { EvaluationSetup, EvaluationTask } from '../sealed/inference/evaluation-task.ts';
import { BlobCache } from './blob-cache.ts';
import { BlobMissingError } from './blob-errors.ts';
import { DEFAULT_PREFIX } from './blob-layout.ts';
import { BlobStore } from './blob-store.ts';
import { openBroker, type BrokerConnection } from './broker-connection.ts';
import { parseBrokerUrl } from './broker-url.ts';
import {
  decodeWeights,
  EVALUATION_QUEUE,
  FarmJobSchema,
  keysetDigest,
  packBlobs,
  unpackBlobs,
  type FarmJob,
  type FarmResult,
} from './farm-wire.ts';
import {
  HEARTBEAT_MS,
  RecentWork,
  removeNodeRecord,
  writeNodeRecord,
  type NodeRecord,
} from './node-registry.ts';

export interface EvaluatorNodeOptions {
  /** redis://[user:password@]host:port (rediss:// or tls for TLS). */
  readonly broker: string;
  /** Jobs at once, one evaluation thread each; default one per core. */
  readonly concurrency?: number;
  readonly name?: string;
  /** Bytes of key sets, models and inputs kept between jobs; default 2 GiB. */
  readonly memoryBudgetBytes?: number;
  /** How long a job stays locked to this node without a renewal; default 20 s. */
  readonly lockMs?: number;
  readonly prefix?: string;
  /** One line per event, never holding a secret. */
  readonly log?: (line: string) => void;
}

export const DEFAULT_MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;
/** Setups (key set + model) with threads kept at once. */
const POOLS_KEPT = 2;

interface PoolEntry {
  readonly pool: Promise<EvaluationPool>;
  active: number;
  lastUsed: number;
}

export class EvaluatorNode {
  readonly name: string;
  readonly concurrency: number;
  readonly broker: string;
  readonly #connection: BrokerConnection;
  readonly #store: BlobStore;
  readonly #cache: BlobCache;
  readonly #worker: Worker<FarmJob, FarmResult>;
  readonly #pools = new Map<string, PoolEntry>();
  readonly #prefix: string;
  readonly #log: (line: string) => void;
  readonly #recent = new RecentWork();
  readonly #startedAt = new Date().toISOString();
  readonly #heartbeat: NodeJS.Timeout;
  #busy = 0;
  #done = 0;
  #failed = 0;
  #closing: Promise<void> | null = null;

  private constructor(connection: BrokerConnection, options: EvaluatorNodeOptions) {
    this.#connection = connection;
    this.broker = connection.broker;
    this.name = options.name ?? `${hostname()}-${process.pid}`;
    this.concurrency = Math.max(1, options.concurrency ?? availableParallelism());
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#log = options.log ?? (() => {});
    this.#store = new BlobStore(connection.redis, { prefix: this.#prefix, broker: this.broker });
    this.#cache = new BlobCache(
      this.#store,
      options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES,
    );
    const lockDuration = options.lockMs ?? 20_000;
    this.#worker = new Worker<FarmJob, FarmResult>(EVALUATION_QUEUE, (job) => this.#process(job), {
      connection: { ...parseBrokerUrl(options.broker), maxRetriesPerRequest: null },
      prefix: this.#prefix,
      concurrency: this.concurrency,
      name: this.name,
      lockDuration,
      stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
      maxStalledCount: 2,
      autorun: false,
    });
    this.#worker.on('error', (error) => this.#log(`worker error: ${firstLine(error)}`));
    this.#heartbeat = setInterval(() => void this.#announce(), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Connects (a wrong password or an unreachable broker fails here, by name) and starts. */
  static async start(options: EvaluatorNodeOptions): Promise<EvaluatorNode> {
    const connection = await openBroker(options.broker, {
      onError: (line) => options.log?.(line),
    });
    const node = new EvaluatorNode(connection, options);
    await node.#announce();
    void node.#worker.run().catch((error) => node.#log(`worker stopped: ${firstLine(error)}`));
    await node.#worker.waitUntilReady();
    node.#log(
      `evaluator node ${node.name} on ${node.broker}: ${node.concurrency} evaluation thread(s), ` +
        `memory budget ${Math.round(node.#cache.budgetBytes / 1024 ** 2)} MB`,
    );
    return node;
  }

  get stats(): { done: number; failed: number; busy: number } {
    return { done: this.#done, failed: this.#failed, busy: this.#busy };
  }

  /** Stops taking jobs, lets running jobs finish, then lets go of everything. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#heartbeat);
      await this.#worker.close();
      await Promise.all([...this.#pools.values()].map(async (entry) => (await entry.pool).close()));
      this.#pools.clear();
      await removeNodeRecord(this.#connection.redis, this.#prefix, this.name).catch(() => {});
      await this.#connection.close();
      this.#log(`evaluator node ${this.name} stopped after ${this.#done} job(s)`);
    })();
    return this.#closing;
  }

  async #process(job: Job<FarmJob, FarmResult>): Promise<FarmResult> {
    const parsed = FarmJobSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`malformed evaluation job: ${parsed.error.issues[0]?.message}`);
    const data = parsed.data;
    const label = `job ${job.id?.slice(0, 12)} (${data.task.kind})`;
    this.#busy++;
    const started = performance.now();
    this.#log(`${label} started (attempt ${job.attemptsMade + 1})`);
    try {
      const { key, entry } = await this.#poolFor(data);
      entry.active++;
      try {
        const fetching = performance.now();
        const inputs = unpackBlobs(
          await this.#fetch(data.inputs, "the job's input ciphertexts"),
          "the job's input ciphertexts",
        );
        const task = taskOf(data, inputs);
        const evaluating = performance.now();
        const output = await (await entry.pool).run(task);
        const putting = performance.now();
        const counts = output.results.map((results) => results.length);
        // The job id leads the result blob: the blob is this job's alone (two jobs with equal
        // outputs must not share one blob, which the first to be collected would delete).
        const { digest } = await this.#store.put(
          packBlobs([Buffer.from(job.id ?? ''), ...output.results.flat()]),
          data.resultTtlMs,
        );
        // Fetching the inputs and storing the result; making the threads for a new key set
        // and model (a one-off per node) is not counted.
        const brokerSeconds = (evaluating - fetching + (performance.now() - putting)) / 1000;
        this.#done++;
        this.#recent.add(output.seconds);
        this.#log(`${label} done in ${output.seconds.toFixed(1)} s`);
        return {
          results: digest,
          counts,
          seconds: output.seconds,
          brokerSeconds,
          rotations: output.rotations,
          profileMs: output.profileMs,
          node: this.name,
        };
      } finally {
        entry.active--;
        entry.lastUsed = Date.now();
        void this.#trimPools(key);
      }
    } catch (error) {
      this.#failed++;
      this.#log(
        `${label} failed after ${((performance.now() - started) / 1000).toFixed(1)} s: ${firstLine(error)}`,
      );
      throw error;
    } finally {
      this.#busy--;
    }
  }

  /** The evaluation threads for the job's key set and model, made on first use. */
  async #poolFor(job: FarmJob): Promise<{ key: string; entry: PoolEntry }> {
    const key = `${job.keyset.digest}:${job.model.weights}:${job.model.scoreScale}:${
      job.task.kind === 'blocks' ? job.task.packingId : LANE_PACKING_ID
    }`;
    let entry = this.#pools.get(key);
    if (!entry) {
      entry = { pool: this.#makePool(job), active: 0, lastUsed: Date.now() };
      this.#pools.set(key, entry);
      entry.pool.catch(() => this.#pools.delete(key));
    }
    await entry.pool;
    return { key, entry };
  }

  async #makePool(job: FarmJob): Promise<EvaluationPool> {
    const { keyset, model, task } = job;
    if (keysetDigest(keyset.presetId, keyset.relinKeys, keyset.galoisKeys) !== keyset.digest)
      throw new UnrecoverableError(`key set ${keyset.id}: its digest does not match its keys`);
    const what = `key set ${keyset.id} (${keyset.digest.slice(0, 12)})`;
    const relinKeys = await this.#fetch(keyset.relinKeys, `the relinearisation keys of ${what}`);
    const galoisKeys =
      keyset.galoisKeys === null
        ? null
        : await this.#fetch(keyset.galoisKeys, `the Galois keys of ${what}`);
    const weightsBlob = await this.#fetch(model.weights, `the weights of model ${model.id}`);
    let weights;
    try {
      weights = decodeWeights(weightsBlob);
    } catch (error) {
      throw new UnrecoverableError(`model ${model.id}: ${firstLine(error)}`);
    }
    const setup: EvaluationSetup = {
      presetId: keyset.presetId,
      packingId: task.kind === 'blocks' ? task.packingId : LANE_PACKING_ID,
      weights,
      scoreScale: model.scoreScale,
      keys: {
        relinKeys: new Uint8Array(relinKeys),
        galoisKeys: galoisKeys && new Uint8Array(galoisKeys),
      },
    };
    return new EvaluationPool(setup, { threads: this.concurrency });
  }

  /** A blob through the cache; one the broker does not hold fails the job for good. */
  async #fetch(digest: string, what: string): Promise<Buffer> {
    try {
      return await this.#cache.get(digest);
    } catch (error) {
      if (error instanceof BlobMissingError)
        throw new UnrecoverableError(`cannot fetch ${what}: ${error.message}`);
      throw error;
    }
  }

  /** Keeps at most POOLS_KEPT setups' threads, dropping idle ones least recently used first. */
  async #trimPools(current: string): Promise<void> {
    const idle = [...this.#pools.entries()]
      .filter(([key, entry]) => key !== current && entry.active === 0)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.#pools.size > POOLS_KEPT && idle.length > 0) {
      const [key, entry] = idle.shift()!;
      this.#pools.delete(key);
      await (await entry.pool).close();
    }
  }

  async #announce(): Promise<void> {
    const recent = this.#recent.lastMinute();
    const record: NodeRecord = {
      name: this.name,
      concurrency: this.concurrency,
      startedAt: this.#startedAt,
      busy: this.#busy,
      done: this.#done,
      failed: this.#failed,
      doneLastMinute: recent.jobs,
      busySecondsLastMinute: recent.seconds,
      cacheBytes: this.#cache.bytes,
      cacheBudgetBytes: this.#cache.budgetBytes,
    };
    try {
      await writeNodeRecord(this.#connection.redis, this.#prefix, record);
    } catch (error) {
      this.#log(`could not announce the node: ${firstLine(error)}`);
    }
  }
}

/** The engine's task for a job, with the fetched ciphertexts put where the job says. */
function taskOf(job: FarmJob, inputs: Uint8Array[]): EvaluationTask {
  if (job.task.kind === 'lanes') return { kind: 'lanes', inputs, hidden: job.task.hidden };
  const expected = job.task.images.reduce((total, blocks) => total + blocks.length, 0);
  if (expected !== inputs.length)
    throw new UnrecoverableError(
      `the job names ${expected} ciphertexts but its inputs hold ${inputs.length}`,
    );
  let next = 0;
  return {
    kind: 'blocks',
    combine: job.task.combine,
    images: job.task.images.map((occupiedBlocks) => {
      const ciphertexts = inputs.slice(next, next + occupiedBlocks.length);
      next += occupiedBlocks.length;
      return { ciphertexts, occupiedBlocks };
    }),
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
