// An async byte semaphore: a cap on how many bytes of file content are in flight at
// once (read, decoded, being encrypted). Without it, the number of files in flight
// is bounded but their size is not: a few hundred-megabyte files read in parallel
// would each be held, decoded and cloned at the same time. Waiters are served in
// order (no starvation of a big file by a stream of small ones). A single file
// larger than the whole budget is let through when nothing else is in flight, alone:
// refusing it would make it unimportable, waiting for room it can never get would
// deadlock. The peak figure is what the budget actually allowed, for reports and tests.

export interface BudgetLease {
  /** Gives the bytes back; calling it again does nothing. */
  release(): void;
}

export class ByteBudget {
  readonly limit: number;
  #inFlight = 0;
  #peak = 0;
  readonly #waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(limit: number) {
    if (!(Number.isSafeInteger(limit) && limit >= 1))
      throw new RangeError(`memory budget must be a whole number of bytes ≥ 1, got ${limit}`);
    this.limit = limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The most bytes ever held at once (above `limit` only by one oversized file alone). */
  get peak(): number {
    return this.#peak;
  }

  /** Resolves when `bytes` fit beside what is in flight (or nothing else is). */
  acquire(bytes: number): Promise<BudgetLease> {
    if (!(Number.isSafeInteger(bytes) && bytes >= 0))
      throw new RangeError(`cannot reserve ${bytes} bytes`);
    return new Promise((resolve) => {
      this.#waiting.push({ bytes, grant: () => resolve(this.#lease(bytes)) });
      this.#grant();
    });
  }

  #fits(bytes: number): boolean {
    return this.#inFlight === 0 || this.#inFlight + bytes <= this.limit;
  }

  #grant(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const next = this.#waiting.shift()!;
      this.#inFlight += next.bytes;
      this.#peak = Math.max(this.#peak, this.#inFlight);
      next.grant();
    }
  }

  #lease(bytes: number): BudgetLease {
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#inFlight -= bytes;
        this.#grant();
      },
    };
  }
}

/** A file's bytes together with the part of a budget they hold. */
export interface HeldBytes {
  readonly bytes: Uint8Array;
  /** Call once the bytes are done with (stored, refused or failed). */
  release(): void;
}
