// The RNS linear-combination kernel (rns-kernel.wat) as TypeScript sees it: its memory,
// a stack allocator over it, typed calls, and the bounds that make its lazy reduction
// exact. Why a kernel: see rns-kernel.wat; how ciphertexts go in and out: rns-linear.ts.
import { RNS_KERNEL_WASM_BASE64 } from './rns-kernel-wasm.ts';

/** Residues below 2^32 are one u32 word. */
export const NARROW_LIMIT = 2n ** 32n;
/** Residues below 2^40 (the chain's 39-bit primes) are two 20-bit limbs. */
export const WIDE_LIMIT = 2n ** 40n;
export const LIMB_BITS = 20;

export type PrimeKind = 'narrow' | 'wide';

export function primeKind(q: bigint): PrimeKind {
  if (q < 2n) throw new RangeError(`modulus ${q} is not a prime`);
  if (q < NARROW_LIMIT) return 'narrow';
  if (q < WIDE_LIMIT) return 'wide';
  throw new RangeError(`the RNS kernel takes primes below 2^40, not ${q}`);
}

/**
 * The most terms one flush may add for prime q, so that no 64-bit accumulator wraps.
 * Narrow: the accumulator starts at the carried residue (≤ q − 1) and adds B products
 * of two residues (each ≤ (q − 1)²). Wide: with limbs ≤ L = 2^20 − 1, the sums are
 * S0 = carry + Σ lo·lo ≤ (q − 1) + B·L², S1 = Σ (lo·hi + hi·lo) ≤ 2B·L², S2 ≤ B·L², and
 * the reduction computes ((S2 mod q)·2^20 + S1) mod q = t, then (t·2^20 + S0) mod q.
 */
export function maxTermsPerFlush(q: bigint): number {
  const top = 2n ** 64n - 1n;
  const m = q - 1n;
  if (primeKind(q) === 'narrow') return Number((top - m) / (m * m));
  const limb = (1n << BigInt(LIMB_BITS)) - 1n;
  const shifted = m << BigInt(LIMB_BITS);
  const cross = (top - shifted) / (2n * limb * limb);
  const low = (top - shifted - m) / (limb * limb);
  return Number(cross < low ? cross : low);
}

/** The little of WebAssembly's JS API we use (the project's lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  unpack_narrow(src: number, dst: number, tiles: number, tileWords: number, stride: number): void;
  unpack_wide(
    src: number,
    dst: number,
    hi: number,
    tiles: number,
    tileWords: number,
    stride: number,
  ): void;
  pack_narrow(src: number, dst: number, words: number): void;
  gemm_narrow(
    y: number,
    rowStride: number,
    tileStride: number,
    rows: number,
    tiles: number,
    tileWords: number,
    w: number,
    units: number,
    c: number,
    unitStride: number,
    q: bigint,
    qinv: number,
    init: number,
  ): void;
  gemm_wide(
    y: number,
    hi: number,
    rowStride: number,
    tileStride: number,
    rows: number,
    tiles: number,
    tileWords: number,
    w: number,
    units: number,
    c: number,
    unitStride: number,
    q: bigint,
    qinv: number,
    init: number,
  ): void;
}

/** Where a GEMM reads and writes: byte offsets into the kernel's memory. */
export interface Gemm {
  /** Row 0, tile 0 of Y (a wide prime's lo limbs). */
  readonly y: number;
  /** Bytes from a wide prime's lo limbs to its hi limbs. */
  readonly hi?: number;
  readonly rowStride: number;
  readonly tileStride: number;
  readonly rows: number;
  readonly tiles: number;
  readonly tileWords: number;
  /** Weights, [unit][row] (narrow: u32 residue; wide: its lo and hi limbs). */
  readonly w: number;
  readonly units: number;
  /** Unit 0's row of N accumulated words (narrow u32, wide u64). */
  readonly c: number;
  readonly unitStride: number;
  readonly q: bigint;
  /** Add to the accumulated words (else start from zero). */
  readonly accumulate: boolean;
}

const PAGE = 65536;
const ALIGN = 64;

export class RnsKernel {
  readonly #exports: KernelExports;
  /** Allocated regions in address order; offset 0 stays unused. */
  readonly #regions: Array<{ offset: number; end: number; free: boolean }> = [];
  #top = ALIGN;

  constructor() {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const module = new wasm.Module(Buffer.from(RNS_KERNEL_WASM_BASE64, 'base64'));
    this.#exports = new wasm.Instance(module, {}).exports as KernelExports;
  }

  /** A view of the whole memory; take a new one after any alloc (growing detaches it). */
  get bytes(): Uint8Array {
    return new Uint8Array(this.#exports.memory.buffer);
  }

  /** The end of the last region in use. */
  get top(): number {
    return this.#top;
  }

  /** `bytes` more, 64-byte aligned (cache lines), growing the memory when needed. */
  alloc(bytes: number): number {
    const offset = this.#top;
    const end = offset + Math.ceil(bytes / ALIGN) * ALIGN;
    const memory = this.#exports.memory;
    if (end > memory.buffer.byteLength)
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    this.#regions.push({ offset, end, free: false });
    this.#top = end;
    return offset;
  }

  /**
   * Frees the region at `offset`. Regions are reused from the top down (a stack that
   * tolerates any order of release): a freed region below one in use is taken back when
   * that one is freed too. The memory itself never shrinks; the next allocs reuse it.
   */
  release(offset: number): void {
    const region = this.#regions.find((r) => r.offset === offset && !r.free);
    if (!region) throw new RangeError(`kernel memory at ${offset} is not allocated`);
    region.free = true;
    while (this.#regions.at(-1)?.free) this.#top = this.#regions.pop()!.offset;
  }

  unpackNarrow(src: number, dst: number, tiles: number, tileWords: number, stride: number): void {
    checkTiles(tiles, tileWords, 4);
    this.#exports.unpack_narrow(src, dst, tiles, tileWords, stride);
  }

  unpackWide(
    src: number,
    dst: number,
    hi: number,
    tiles: number,
    tileWords: number,
    stride: number,
  ): void {
    checkTiles(tiles, tileWords, 4);
    this.#exports.unpack_wide(src, dst, hi, tiles, tileWords, stride);
  }

  packNarrow(src: number, dst: number, words: number): void {
    checkTiles(1, words, 4);
    this.#exports.pack_narrow(src, dst, words);
  }

  /** C_u (+)= Σ_r w[u, r] · Y_r mod q, for rows ≤ maxTermsPerFlush(q). */
  gemm(g: Gemm): void {
    const kind = primeKind(g.q);
    if (!(g.rows >= 1 && g.rows <= maxTermsPerFlush(g.q) && g.units >= 1))
      throw new RangeError(`a flush of ${g.rows} rows into ${g.units} units is out of bounds`);
    checkTiles(g.tiles, g.tileWords, kind === 'narrow' ? 16 : 4);
    const init = g.accumulate ? 1 : 0;
    const e = this.#exports;
    if (kind === 'narrow') {
      e.gemm_narrow(
        g.y,
        g.rowStride,
        g.tileStride,
        g.rows,
        g.tiles,
        g.tileWords,
        g.w,
        g.units,
        g.c,
        g.unitStride,
        g.q,
        1 / Number(g.q),
        init,
      );
    } else {
      if (g.hi === undefined) throw new RangeError('a wide prime needs the hi limbs’ offset');
      e.gemm_wide(
        g.y,
        g.hi,
        g.rowStride,
        g.tileStride,
        g.rows,
        g.tiles,
        g.tileWords,
        g.w,
        g.units,
        g.c,
        g.unitStride,
        g.q,
        1 / Number(g.q),
        init,
      );
    }
  }
}

function checkTiles(tiles: number, tileWords: number, multiple: number): void {
  if (!(
    Number.isInteger(tiles) &&
    tiles >= 1 &&
    tileWords >= multiple &&
    tileWords % multiple === 0
  ))
    throw new RangeError(`${tiles} tiles of ${tileWords} words: need multiples of ${multiple}`);
}
