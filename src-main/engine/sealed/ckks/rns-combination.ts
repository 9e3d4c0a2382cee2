// One streamed linear combination on the RNS kernel: inputs are pushed one at a time
// with their column of weights, gathered into a block of rows in the kernel's memory and
// summed into every unit's accumulator by a GEMM per prime when the block is full (so the
// inputs never all need to be alive at once); finish() hands out the units' ciphertexts.
// Why and how it is exact: rns-linear.ts and rns-kernel.ts.
import type { PrimeKind, RnsKernel } from './rns-kernel.ts';
import { constantInteger } from './constant-plaintext.ts';

/** One ciphertext level as the kernel sees it, learnt from a first input. */
export interface RnsLevel {
  /** Every input's bytes before its data words (parms_id, size, scale, …). */
  readonly inputHeader: Uint8Array;
  /** The header of that input times a constant at the working scale: every output's. */
  readonly outputHeader: Uint8Array;
  readonly dataOffset: number;
  /** Polynomials per ciphertext. */
  readonly size: number;
  readonly n: number;
  readonly primes: readonly bigint[];
  readonly kinds: readonly PrimeKind[];
}

/** True when `raw` is a serialisation of `level` (same length, same header bytes). */
export function sameHeader(level: RnsLevel, raw: Uint8Array): boolean {
  const header = level.inputHeader;
  if (raw.length !== level.dataOffset + 8 * level.size * level.primes.length * level.n)
    return false;
  for (let i = 0; i < header.length; i++) if (raw[i] !== header[i]) return false;
  return true;
}

/** What a combination needs of RnsLinear (kept to an interface: no import cycle). */
export interface CombinationHost {
  readonly kernel: RnsKernel;
  readonly ms: { kernel: number };
  readonly scale: number;
  level(raw: Uint8Array): RnsLevel;
}

/** Words per tile of Y: one 16-word register tile of the narrow GEMM. */
const TILE_WORDS = 16;

/** Byte offsets of one level's regions in the kernel's memory. */
interface Layout {
  readonly base: number;
  /** Per (poly, prime): the u32 plane of Y (a wide prime's lo limbs; hi is the next). */
  readonly planes: readonly number[];
  readonly planeBytes: number;
  /** Per (poly, prime): offset in a unit's accumulator row. */
  readonly cOffsets: readonly number[];
  readonly unitBytes: number;
  readonly y: number;
  readonly c: number;
  /** Per prime: its weights, [unit][row]. */
  readonly w: readonly number[];
  /** The data words of one ciphertext, u64, in and out. */
  readonly scratch: number;
}

export class LinearCombination implements Disposable {
  readonly units: number;
  readonly blockRows: number;
  readonly #host: CombinationHost;
  /** The current block's weights as integers c = round(w · Δ), [unit][row]. */
  readonly #c: Float64Array;
  readonly #live: Uint8Array;
  #level: RnsLevel | null = null;
  #layout: Layout | null = null;
  #rows = 0;
  #flushed = false;
  #done = false;

  constructor(host: CombinationHost, units: number, blockRows: number) {
    if (!(Number.isInteger(units) && units >= 1))
      throw new RangeError(`a combination needs units, not ${units}`);
    this.#host = host;
    this.units = units;
    this.blockRows = blockRows;
    this.#c = new Float64Array(units * blockRows);
    this.#live = new Uint8Array(units);
  }

  /**
   * Adds `weight(u) · input` to every unit u. `raw` is an uncompressed serialisation of a
   * ciphertext of the same level (parms_id, size, scale) as the first input's. A weight
   * that encodes to zero (|w| · Δ < ½) adds nothing, as SEAL's path skips it.
   */
  push(raw: Uint8Array, weight: (unit: number) => number): void {
    if (this.#done) throw new Error('this combination is finished');
    let level = this.#level;
    if (!level) {
      level = this.#host.level(raw);
      this.#level = level;
    } else if (!sameHeader(level, raw))
      throw new Error('a combination’s inputs must share parms_id, size and scale');
    const t0 = performance.now();
    const layout = (this.#layout ??= this.#allocate(level));
    const kernel = this.#host.kernel;
    kernel.bytes.set(raw.subarray(level.dataOffset), layout.scratch);
    const { n, kinds } = level;
    const count = kinds.length;
    const tiles = n / TILE_WORDS;
    const tileStride = this.blockRows * TILE_WORDS * 4;
    const rowOffset = this.#rows * TILE_WORDS * 4;
    for (let s = 0; s < level.size * count; s++) {
      const src = layout.scratch + s * n * 8;
      const dst = layout.planes[s]! + rowOffset;
      if (kinds[s % count] === 'narrow')
        kernel.unpackNarrow(src, dst, tiles, TILE_WORDS, tileStride);
      else kernel.unpackWide(src, dst, layout.planeBytes, tiles, TILE_WORDS, tileStride);
    }
    const scale = this.#host.scale;
    for (let u = 0; u < this.units; u++) {
      const c = constantInteger(weight(u), scale);
      this.#c[u * this.blockRows + this.#rows] = c;
      if (c !== 0) this.#live[u] = 1;
    }
    this.#rows++;
    if (this.#rows === this.blockRows) this.#flush();
    this.#host.ms.kernel += performance.now() - t0;
  }

  /**
   * Calls `each(u, bytes)` for every unit: its ciphertext's uncompressed serialisation
   * (a buffer reused for the next unit: load it before returning), or null when no input
   * had a weight for it (SEAL's path would never have made its accumulator).
   */
  finish(each: (unit: number, bytes: Uint8Array | null) => void): void {
    if (this.#done) throw new Error('this combination is finished');
    this.#done = true;
    const level = this.#level;
    const layout = this.#layout;
    if (!level || !layout) {
      for (let u = 0; u < this.units; u++) each(u, null);
      return;
    }
    let t0 = performance.now();
    if (this.#rows > 0) this.#flush();
    const { n, kinds, dataOffset } = level;
    const count = kinds.length;
    const words = level.size * count * n;
    const out = new Uint8Array(dataOffset + 8 * words);
    out.set(level.outputHeader);
    const kernel = this.#host.kernel;
    for (let u = 0; u < this.units; u++) {
      if (!this.#live[u]) {
        each(u, null);
        continue;
      }
      const row = layout.c + u * layout.unitBytes;
      for (let s = 0; s < level.size * count; s++) {
        const src = row + layout.cOffsets[s]!;
        const dst = layout.scratch + s * n * 8;
        if (kinds[s % count] === 'narrow') kernel.packNarrow(src, dst, n);
        else kernel.bytes.copyWithin(dst, src, src + n * 8);
      }
      const bytes = kernel.bytes;
      // SEAL (built to throw on transparent ciphertexts) refuses a result whose
      // polynomials after the first are all zero: so do we.
      const tail = new Uint32Array(
        bytes.buffer,
        layout.scratch + count * n * 8,
        2 * words - 2 * count * n,
      );
      if (tail.every((word) => word === 0)) throw new Error('the combination is transparent');
      out.set(bytes.subarray(layout.scratch, layout.scratch + 8 * words), dataOffset);
      this.#host.ms.kernel += performance.now() - t0;
      each(u, out);
      t0 = performance.now();
    }
    this.#host.ms.kernel += performance.now() - t0;
  }

  #allocate(level: RnsLevel): Layout {
    const { n, kinds, size } = level;
    const count = kinds.length;
    const planeBytes = this.blockRows * n * 4;
    const planes: number[] = [];
    const cOffsets: number[] = [];
    let plane = 0;
    let unitBytes = 0;
    for (let s = 0; s < size * count; s++) {
      const wide = kinds[s % count] === 'wide';
      planes.push(plane);
      plane += wide ? 2 : 1;
      cOffsets.push(unitBytes);
      unitBytes += n * (wide ? 8 : 4);
    }
    const weightBytes = kinds.map(
      (kind) => this.units * this.blockRows * (kind === 'wide' ? 8 : 4),
    );
    const total =
      plane * planeBytes +
      this.units * unitBytes +
      weightBytes.reduce((a, b) => a + Math.ceil(b / 64) * 64, 0) +
      size * count * n * 8;
    const base = this.#host.kernel.alloc(total);
    const y = base;
    const c = y + plane * planeBytes;
    let at = c + this.units * unitBytes;
    const w = weightBytes.map((bytes) => {
      const offset = at;
      at += Math.ceil(bytes / 64) * 64;
      return offset;
    });
    return {
      base,
      planes: planes.map((p) => y + p * planeBytes),
      planeBytes,
      cOffsets,
      unitBytes,
      y,
      c,
      w,
      scratch: at,
    };
  }

  /** Sums the block's rows into the accumulators: weights per prime, then a GEMM per plane. */
  #flush(): void {
    const level = this.#level!;
    const layout = this.#layout!;
    const kernel = this.#host.kernel;
    const rows = this.#rows;
    const { n, kinds, primes } = level;
    const count = kinds.length;
    const memory = kernel.bytes.buffer;
    primes.forEach((q, j) => {
      const modulus = Number(q);
      const wide = kinds[j] === 'wide';
      const weights = new Uint32Array(memory, layout.w[j]!, this.units * rows * (wide ? 2 : 1));
      for (let u = 0; u < this.units; u++) {
        for (let r = 0; r < rows; r++) {
          // c is an integer below 2^53 and so is q: % is exact in doubles.
          const rem = this.#c[u * this.blockRows + r]! % modulus;
          const residue = rem < 0 ? rem + modulus : rem;
          if (!wide) weights[u * rows + r] = residue;
          else {
            weights[2 * (u * rows + r)] = residue % 2 ** 20;
            weights[2 * (u * rows + r) + 1] = Math.floor(residue / 2 ** 20);
          }
        }
      }
    });
    for (let s = 0; s < level.size * count; s++) {
      kernel.gemm({
        y: layout.planes[s]!,
        hi: layout.planeBytes,
        rowStride: TILE_WORDS * 4,
        tileStride: this.blockRows * TILE_WORDS * 4,
        rows,
        tiles: n / TILE_WORDS,
        tileWords: TILE_WORDS,
        w: layout.w[s % count]!,
        units: this.units,
        c: layout.c + layout.cOffsets[s]!,
        unitStride: layout.unitBytes,
        q: primes[s % count]!,
        accumulate: this.#flushed,
      });
    }
    this.#flushed = true;
    this.#rows = 0;
  }

  /** Starts a new combination of inputs of the same level, in the same kernel memory. */
  reset(): void {
    this.#rows = 0;
    this.#flushed = false;
    this.#done = false;
    this.#live.fill(0);
  }

  /** Frees the kernel memory. */
  [Symbol.dispose](): void {
    this.#done = true;
    const layout = this.#layout;
    if (!layout) return;
    this.#layout = null;
    this.#host.kernel.release(layout.base);
  }
}
