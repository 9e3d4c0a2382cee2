// The lanes layout's conv and fc1 on the RNS kernel (rns-linear.ts) instead of a SEAL
// multiplyPlain + addInplace per term: the same ciphertexts byte for byte, at a fraction
// of the time (those products were most of a lane batch).
//
// Conv goes position by position: the k² pixels of a patch are the rows and the channels
// the units (a GEMM of channels × taps). Each conv output then takes SEAL's steps
// (rescale, bias, x²: left unrelinearised and unrescaled) and is pushed into an fc1 combination (units:
// hidden units; rows: the conv outputs they read), which sums a block of rows at a time.
// So only about a patch's pixels, one conv output, a block of fc1 rows and the
// accumulators are held at once. Hidden units that share no input (an ensemble's
// members: fc1 is block-diagonal) get one combination each, so no GEMM multiplies the
// zeros between members; their blocks are shorter, to take one block's memory in all.
// (Doing the groups one after the other would hold one group's accumulators only, but
// reads every pixel once per group: measured 11 % slower on two batches at once.)
import type { Ciphertext } from 'node-seal/throws';
import type { ChunkCnnWeights } from '../../model/chunk-cnn.ts';
import { convOutputSize, flattenedSize } from '../../model/chunk-cnn.ts';
import type { RnsLinear } from '../../ckks/rns-linear.ts';
import type { LinearCombination } from '../../ckks/rns-combination.ts';

/** The engine's SEAL steps between conv and fc1 (its own, so they keep its profile). */
export interface LaneSteps {
  rescale(x: Ciphertext): void;
  addConstant(x: Ciphertext, value: number): void;
  /** x², left three polynomials at scale Δ² (relinearised after fc1's sum). */
  square(x: Ciphertext): void;
  /** Takes hidden unit `index`'s fc1 sum (and deletes it): the rest of the network. */
  hidden(h: Ciphertext, index: number): void;
}

/**
 * fc1's sums of hidden units [from, to), from a lane batch's serialised pixel
 * ciphertexts, each handed to `steps.hidden` as it comes out (a unit none of whose
 * weights encodes to a nonzero constant never comes). `live(h, o)`: W1[h, o] encodes to
 * a nonzero constant.
 */
export function kernelHidden(
  linear: RnsLinear,
  weights: ChunkCnnWeights,
  inputs: readonly Uint8Array[],
  range: { readonly from: number; readonly to: number },
  live: (h: number, o: number) => boolean,
  steps: LaneSteps,
): void {
  const arch = weights.architecture;
  const out = convOutputSize(arch);
  const area = out * out;
  const flat = flattenedSize(arch);
  const k = arch.kernel;
  const { groups, groupOf } = independentUnits(range, flat, live);
  // Every channel some position needs: the conv GEMM's units.
  const channels: number[] = [];
  for (let c = 0; c < arch.channels; c++) {
    let read = false;
    for (let p = 0; p < area && !read; p++) read = groupOf[c * area + p]! >= 0;
    if (read) channels.push(c);
  }
  if (channels.length === 0) return;
  const pixels = new PixelWindow(linear, inputs, arch);
  using conv = linear.combination(channels.length, { rows: k * k });
  const rows = groups.map(() => 0);
  for (const g of groupOf) if (g >= 0) rows[g]!++;
  // The groups' blocks of rows share one block's memory (each flushes more often).
  const blockRows = Math.max(16, Math.floor(128 / groups.length));
  const fc1: LinearCombination[] = [];
  for (const [g, units] of groups.entries())
    fc1.push(linear.combination(units.length, { rows: rows[g], maxBlockRows: blockRows }));
  try {
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < out; j++) {
        pixels.moveTo(i, j);
        const at = i * out + j;
        if (channels.every((c) => groupOf[c * area + at]! < 0)) continue;
        conv.reset();
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            const pixel = (i * arch.stride + dy) * arch.inputSize + j * arch.stride + dx;
            const tap = dy * k + dx;
            conv.push(pixels.raw(pixel), (u) => weights.convWeight[channels[u]! * k * k + tap]!);
          }
        }
        conv.finish((u, bytes) => {
          const o = channels[u]! * area + at;
          const group = groupOf[o]!;
          if (group < 0) return; // no unit of the range reads this output
          if (!bytes)
            throw new Error(`conv channel ${channels[u]} has no weight a constant encodes`);
          using y = linear.load(bytes);
          steps.rescale(y);
          steps.addConstant(y, weights.convBias[channels[u]!]!);
          steps.square(y);
          const units = groups[group]!;
          fc1[group]!.push(linear.save(y), (unit) => weights.fc1Weight[units[unit]! * flat + o]!);
        });
      }
    }
    groups.forEach((units, g) =>
      fc1[g]!.finish((unit, bytes) => {
        // Taken on at once, so only one accumulator at fc1's level is alive in SEAL.
        if (bytes) steps.hidden(linear.load(bytes), units[unit]!);
      }),
    );
  } finally {
    for (const combination of fc1) combination[Symbol.dispose]();
  }
}

/**
 * The range's units split into groups that read disjoint conv outputs (connected
 * components of "unit h reads output o"), and each output's group (−1: none reads it).
 * Units reading nothing are in no group.
 */
export function independentUnits(
  { from, to }: { readonly from: number; readonly to: number },
  flat: number,
  live: (h: number, o: number) => boolean,
): { groups: number[][]; groupOf: Int32Array } {
  const count = to - from;
  const parent = Int32Array.from({ length: count }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const reads = new Uint8Array(count);
  /** Per output, the first unit reading it (−1: none). */
  const first = new Int32Array(flat).fill(-1);
  for (let o = 0; o < flat; o++) {
    for (let i = 0; i < count; i++) {
      if (!live(from + i, o)) continue;
      reads[i] = 1;
      if (first[o]! < 0) first[o] = i;
      else parent[root(i)] = root(first[o]!);
    }
  }
  const index = new Map<number, number>();
  const groups: number[][] = [];
  for (let i = 0; i < count; i++) {
    if (!reads[i]) continue;
    const r = root(i);
    if (!index.has(r)) {
      index.set(r, groups.length);
      groups.push([]);
    }
    groups[index.get(r)!]!.push(from + i);
  }
  const groupOf = Int32Array.from(first, (f) => (f < 0 ? -1 : index.get(root(f))!));
  return { groups, groupOf };
}

/**
 * Uncompressed pixel ciphertexts, loaded when a patch first reads them and dropped as
 * soon as no later patch (in row-major order) can: about one patch's pixels are held.
 */
class PixelWindow {
  readonly #linear: RnsLinear;
  readonly #inputs: readonly Uint8Array[];
  readonly #width: number;
  readonly #stride: number;
  readonly #raw = new Map<number, Uint8Array>();

  constructor(
    linear: RnsLinear,
    inputs: readonly Uint8Array[],
    arch: { readonly inputSize: number; readonly stride: number },
  ) {
    this.#linear = linear;
    this.#inputs = inputs;
    this.#width = arch.inputSize;
    this.#stride = arch.stride;
  }

  raw(pixel: number): Uint8Array {
    let raw = this.#raw.get(pixel);
    if (!raw) {
      using ciphertext = this.#linear.load(this.#inputs[pixel]!);
      raw = this.#linear.save(ciphertext);
      this.#raw.set(pixel, raw);
    }
    return raw;
  }

  /**
   * Before patch (i, j): patches from here on start at row i·s, column j·s (this patch
   * row) or at row (i + 1)·s or below, so a pixel above row i·s, or left of column j·s
   * and above row (i + 1)·s, is read by none of them.
   */
  moveTo(i: number, j: number): void {
    for (const pixel of this.#raw.keys()) {
      const row = Math.floor(pixel / this.#width);
      const column = pixel % this.#width;
      const next = (i + 1) * this.#stride;
      if (row < i * this.#stride || (row < next && column < j * this.#stride))
        this.#raw.delete(pixel);
    }
  }
}
