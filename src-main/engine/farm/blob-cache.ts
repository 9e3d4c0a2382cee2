// An evaluator node's memory of blobs it has already fetched, so that the Galois keys and
// model weights that every job of a key holder names are fetched from the broker once, not
// once per job. It keeps at most `budgetBytes` (the node's --memory-budget) and forgets the
// least recently used blobs first. A blob bigger than the whole budget is fetched and handed
// over but not kept, since keeping it would mean dropping everything else for it. Jobs that
// ask for the same digest while it is being fetched share that one fetch: a node that starts
// several jobs of one key holder at once must not pull the same 75 MB key set several times.
//
// The cache trusts its source to have verified each blob against its digest (BlobStore.get
// does). The Buffers it hands out are shared between callers: read them, never write them.
// The budget bounds what the cache keeps; a blob that a running job holds stays in memory
// for that job even after the cache has let go of it.

export interface BlobSource {
  get(digest: string): Promise<Buffer>;
}

export interface BlobCacheStats {
  /** Served from memory. */
  hits: number;
  /** Fetched from the source. */
  fetches: number;
  /** Joined a fetch of the same digest that was already under way. */
  shared: number;
  /** Blobs dropped to make room. */
  evictions: number;
  /** Fetched but too big for the budget, so not kept. */
  tooBig: number;
}

export class BlobCache {
  readonly budgetBytes: number;
  readonly #source: BlobSource;
  /** Insertion order is recency order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Buffer>();
  readonly #fetching = new Map<string, Promise<Buffer>>();
  #bytes = 0;
  readonly #stats: BlobCacheStats = { hits: 0, fetches: 0, shared: 0, evictions: 0, tooBig: 0 };

  constructor(source: BlobSource, budgetBytes: number) {
    if (!(Number.isSafeInteger(budgetBytes) && budgetBytes >= 0))
      throw new RangeError(`memory budget must be a whole number of bytes ≥ 0, got ${budgetBytes}`);
    this.#source = source;
    this.budgetBytes = budgetBytes;
  }

  /** Bytes of the blobs kept now (never more than the budget). */
  get bytes(): number {
    return this.#bytes;
  }

  get stats(): Readonly<BlobCacheStats> {
    return { ...this.#stats };
  }

  /** Whether the blob is kept in memory now (a fetch under way does not count). */
  holds(digest: string): boolean {
    return this.#entries.has(digest);
  }

  get(digest: string): Promise<Buffer> {
    const held = this.#entries.get(digest);
    if (held !== undefined) {
      this.#entries.delete(digest);
      this.#entries.set(digest, held);
      this.#stats.hits++;
      return Promise.resolve(held);
    }
    const pending = this.#fetching.get(digest);
    if (pending !== undefined) {
      this.#stats.shared++;
      return pending;
    }
    this.#stats.fetches++;
    const fetch: Promise<Buffer> = this.#source.get(digest).then(
      (blob) => {
        // A delete() or clear() during the fetch means: do not keep what it brings.
        if (this.#fetching.get(digest) === fetch) {
          this.#fetching.delete(digest);
          this.#keep(digest, blob);
        }
        return blob;
      },
      (error: unknown) => {
        if (this.#fetching.get(digest) === fetch) this.#fetching.delete(digest);
        throw error;
      },
    );
    this.#fetching.set(digest, fetch);
    return fetch;
  }

  delete(digest: string): boolean {
    const fetching = this.#fetching.delete(digest);
    const held = this.#entries.get(digest);
    if (held === undefined) return fetching;
    this.#entries.delete(digest);
    this.#bytes -= held.byteLength;
    return true;
  }

  clear(): void {
    this.#fetching.clear();
    this.#entries.clear();
    this.#bytes = 0;
  }

  #keep(digest: string, blob: Buffer): void {
    this.delete(digest);
    if (blob.byteLength > this.budgetBytes) {
      this.#stats.tooBig++;
      return;
    }
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes + blob.byteLength <= this.budgetBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= old.byteLength;
      this.#stats.evictions++;
    }
    this.#entries.set(digest, blob);
    this.#bytes += blob.byteLength;
  }
}
