// Throughput layout ("lanes", CryptoNets style): one slot per chunk. A lane batch
// is 784 ciphertexts, ciphertext p holding pixel p of up to 4096 chunks; every layer
// is then plain SIMD arithmetic — weights are scalars, no rotation at all — and
// only the image sums need rotations: each image owns an aligned group of 16 lanes,
// summed by a rotate-and-sum over 1, 2, 4, 8 folded into the last layer before its
// rescale. Conv outputs are streamed (conv → x² → accumulate into fc1) so only the
// input, one conv output and the fc1 accumulators are alive at a time.
//
// Relinearisation is lazy in fc1: a conv output's x² is left a three-polynomial
// ciphertext at scale Δ², neither relinearised nor rescaled, and summed as such (scalar
// products and additions work on any size); each hidden unit's sum is then relinearised
// once and rescaled twice. A member so relinearises its 128 hidden units instead of its
// 784 conv outputs and skips 784 rescales — key switching was most of a lane batch once
// the kernel took the products — and relinearising before the rescales keeps the noise
// where it was (a three-polynomial rescale's rounding would be multiplied by s²). fc1's
// terms then sit one prime higher (Δ³ there still leaves ~60 bits of headroom).
//
// Conv and fc1 are sums of scalar × ciphertext terms, by default done on the RNS kernel
// (lane-kernel-layers.ts, which streams the input too), giving the very bytes of SEAL's
// multiplyPlain + addInplace per term; `linear: 'seal'` keeps that SEAL path (the tests
// compare the two).
import type { Ciphertext, GaloisKeys, Plaintext, RelinKeys } from 'node-seal/throws';
import type { Seal } from '../../ckks/seal-runtime.ts';
import { sealInput, toBytes } from '../../ckks/seal-runtime.ts';
import type { CkksContext } from '../../ckks/ckks-presets.ts';
import { ConstantPlaintexts } from '../../ckks/constant-plaintext.ts';
import { RnsLinear } from '../../ckks/rns-linear.ts';
import { kernelHidden } from './lane-kernel-layers.ts';
import { ClassSums } from './lane-class-sums.ts';
import type { ChunkCnnWeights } from '../../model/chunk-cnn.ts';
import { convOutputSize, flattenedSize } from '../../model/chunk-cnn.ts';

export const LANES_PER_IMAGE = 16;

/** Hidden units [from, to): a worker's share of a lane batch. */
export interface HiddenRange {
  readonly from: number;
  readonly to: number;
}

/** `parts` contiguous, near-equal ranges covering `hidden` units (fewer if units run out). */
export function splitHidden(hidden: number, parts: number): HiddenRange[] {
  const count = Math.max(1, Math.min(hidden, Math.floor(parts)));
  return Array.from({ length: count }, (_, p) => ({
    from: Math.round((p * hidden) / count),
    to: Math.round(((p + 1) * hidden) / count),
  }));
}

/** Rotation steps of the per-image lane sum. */
export function laneSumSteps(lanesPerImage = LANES_PER_IMAGE): number[] {
  const steps: number[] = [];
  for (let span = 1; span < lanesPerImage; span *= 2) steps.push(span);
  return steps;
}

/** Where conv's and fc1's scalar products run: the RNS kernel, or SEAL term by term. */
export type LaneLinearPath = 'kernel' | 'seal';

export class LaneCnnEngine implements Disposable {
  readonly #seal: Seal;
  readonly #ckks: CkksContext;
  readonly #weights: ChunkCnnWeights;
  readonly #scoreScale: number;
  readonly #evaluator;
  readonly #constantPlaintexts: ConstantPlaintexts;
  readonly #relinKeys: RelinKeys;
  /** Only for sumImages (the fresh-key path); stored-lane classify sums after decryption. */
  readonly #galoisKeys: GaloisKeys | null;
  /** Constant plaintexts, one per (scalar value, level). */
  readonly #constants = new Map<string, Plaintext>();
  /** The RNS kernel, or null on the SEAL path. */
  readonly #linear: RnsLinear | null;
  /** Milliseconds per step; `kernel` (the RNS kernel) and `serialize` (its SEAL I/O). */
  readonly ms = {
    multiplyPlain: 0,
    add: 0,
    square: 0,
    relinearize: 0,
    rescale: 0,
    rotate: 0,
    encode: 0,
    kernel: 0,
    serialize: 0,
  };

  constructor(
    seal: Seal,
    ckks: CkksContext,
    weights: ChunkCnnWeights,
    scoreScale: number,
    keys: { relinKeys: Uint8Array; galoisKeys: Uint8Array | null },
    options: { linear?: LaneLinearPath } = {},
  ) {
    this.#seal = seal;
    this.#ckks = ckks;
    this.#weights = weights;
    this.#scoreScale = scoreScale;
    this.#evaluator = new seal.Evaluator(ckks.context);
    this.#constantPlaintexts = new ConstantPlaintexts(seal, ckks);
    this.#relinKeys = new seal.RelinKeys();
    this.#relinKeys.loadFromArray(ckks.context, sealInput(keys.relinKeys));
    if (keys.galoisKeys) {
      this.#galoisKeys = new seal.GaloisKeys();
      this.#galoisKeys.loadFromArray(ckks.context, sealInput(keys.galoisKeys));
    } else this.#galoisKeys = null;
    this.#linear = options.linear === 'seal' ? null : new RnsLinear(seal, ckks, this.ms);
  }

  /**
   * Runs one lane batch. `inputs[p]` is the serialised ciphertext of pixel p.
   * Returns one ciphertext per class; with `sumImages`, lane 16·g holds the sum of
   * image g's chunk scores (its other lanes are partial sums), else lane l holds
   * chunk l's scores.
   *
   * With `hidden`, only hidden units [from, to) are evaluated and the scores are their
   * share (fc2 is a sum over hidden units): parts covering all units, run on several
   * workers, add up to the whole after decryption. Conv outputs that no unit of the
   * range reads (an ensemble's other members) are skipped.
   */
  inferBatch(
    inputs: readonly Uint8Array[],
    options: { sumImages: boolean; hidden?: HiddenRange },
  ): Uint8Array[] {
    const arch = this.#weights.architecture;
    const n = arch.inputSize;
    const flat = flattenedSize(arch);
    const { from, to } = options.hidden ?? { from: 0, to: arch.hidden };
    if (!(
      Number.isInteger(from) &&
      Number.isInteger(to) &&
      0 <= from &&
      from < to &&
      to <= arch.hidden
    ))
      throw new RangeError(`hidden range [${from}, ${to}) is not within 0..${arch.hidden}`);
    const fc1Live = (h: number, o: number) =>
      !this.#encodesToZero(this.#weights.fc1Weight[h * flat + o]!);
    if (options.sumImages && !this.#galoisKeys)
      throw new Error('summing images in lanes needs Galois keys for laneSumSteps()');
    if (inputs.length !== n * n)
      throw new RangeError(`a lane batch has ${n * n} ciphertexts, got ${inputs.length}`);
    // fc1 after its sums: relinearise, two rescales, bias, x²; then straight into fc2's
    // class sums, so only a few hidden units are alive at once (not all of a batch's). A
    // hidden unit whose weights all decayed below the encoding's resolution (training
    // with weight decay leaves such dead units) never comes: it is the constant (bias)²
    // in every lane, its fc2 terms a constant added to the score. Modular sums are exact,
    // so the order units come in does not change a byte.
    const scores = new ClassSums(this.#seal, arch.classes);
    const live = new Set<number>();
    const fc2 = (h: Ciphertext, index: number) => {
      try {
        this.#hiddenSteps(h, index);
        live.add(index);
        for (let c = 0; c < arch.classes; c++) {
          const w = this.#scoreScale * this.#weights.fc2Weight[c * arch.hidden + index]!;
          if (!this.#encodesToZero(w))
            scores.add(c, (acc, first) =>
              this.#multiplyAdd(acc, h, w, first, scores.product, false),
            );
        }
      } finally {
        h.delete();
      }
    };
    try {
      if (this.#linear) {
        kernelHidden(this.#linear, this.#weights, inputs, { from, to }, fc1Live, {
          rescale: (x) => this.#rescale(x),
          addConstant: (x, value) => this.#addConstant(x, value),
          square: (x) => this.#squareOnly(x),
          hidden: fc2,
        });
      } else {
        const hidden = this.#sealHidden(inputs, { from, to }, fc1Live);
        try {
          hidden.forEach((h, index) => {
            hidden[index] = null;
            if (h) fc2(h, index);
          });
        } finally {
          for (const h of hidden) h?.delete();
        }
      }
      const results: Uint8Array[] = [];
      for (let c = 0; c < arch.classes; c++) {
        const score = scores.take(c);
        if (!score) throw new Error(`class ${c} has no live inputs: the model is degenerate`);
        try {
          let constant = 0;
          for (let index = from; index < to; index++) {
            if (live.has(index)) continue;
            const w = this.#scoreScale * this.#weights.fc2Weight[c * arch.hidden + index]!;
            constant += w * this.#weights.fc1Bias[index]! ** 2;
          }
          this.#addConstant(score, constant);
          // The image sum rides on the last layer, before its rescale (less noise).
          if (options.sumImages) {
            for (const step of laneSumSteps()) {
              const t0 = performance.now();
              using rotated = new this.#seal.Ciphertext();
              this.#evaluator.rotateVector(score, step, this.#galoisKeys!, rotated);
              this.#evaluator.addInplace(score, rotated);
              this.ms.rotate += performance.now() - t0;
            }
          }
          this.#rescale(score);
          // Bias: once per chunk, i.e. the image's chunk count times in a summed lane; the
          // key holder adds it after decryption (it knows the counts), keeping it exact.
          results.push(toBytes(score.saveToArray(this.#seal.ComprModeType.zstd)));
        } finally {
          score.delete();
        }
      }
      return results;
    } finally {
      scores[Symbol.dispose]();
    }
  }

  /** Conv and fc1 on SEAL, term by term: fc1's accumulators (before their rescale). */
  #sealHidden(
    inputs: readonly Uint8Array[],
    { from, to }: HiddenRange,
    live: (h: number, o: number) => boolean,
  ): Array<Ciphertext | null> {
    const arch = this.#weights.architecture;
    const n = arch.inputSize;
    const out = convOutputSize(arch);
    const k = arch.kernel;
    const flat = flattenedSize(arch);
    const pixels = inputs.map((bytes) => {
      const ct = new this.#seal.Ciphertext();
      ct.loadFromArray(this.#ckks.context, sealInput(bytes));
      return ct;
    });
    const hidden: Array<Ciphertext | null> = Array.from({ length: arch.hidden }, () => null);
    using product = new this.#seal.Ciphertext();
    try {
      for (let o = 0; o < flat; o++) {
        let read = false;
        for (let h = from; h < to && !read; h++) read = live(h, o);
        if (!read) continue;
        const channel = Math.floor(o / (out * out));
        const i = Math.floor((o % (out * out)) / out);
        const j = o % out;
        // conv2d: y_o = Σ_taps w · x_pixel + b (scalars), one rescale after the sum.
        const y = new this.#seal.Ciphertext();
        let first = true;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            const w = this.#weights.convWeight[(channel * k + dy) * k + dx]!;
            if (this.#encodesToZero(w)) continue;
            const x = pixels[(i * arch.stride + dy) * n + j * arch.stride + dx]!;
            this.#multiplyAdd(y, x, w, first, product);
            first = false;
          }
        }
        this.#rescale(y);
        this.#addConstant(y, this.#weights.convBias[channel]!);
        this.#squareOnly(y);
        // fc1 accumulators: h += W1[h, o] · y_o² (rescaled once, after all 256 terms).
        for (let h = from; h < to; h++) {
          if (!live(h, o)) continue;
          const w = this.#weights.fc1Weight[h * flat + o]!;
          const acc = hidden[h];
          if (acc) this.#multiplyAdd(acc, y, w, false, product, false);
          else {
            const fresh = new this.#seal.Ciphertext();
            this.#multiplyAdd(fresh, y, w, true, product, false);
            hidden[h] = fresh;
          }
        }
        y.delete();
      }
    } finally {
      for (const ct of pixels) ct.delete();
    }
    return hidden;
  }

  /**
   * True when a scalar weight encodes to the zero plaintext at the working scale
   * (|w| · Δ < ½): its product is below CKKS's resolution, and SEAL refuses the
   * transparent ciphertext a zero plaintext would produce.
   */
  #encodesToZero(w: number): boolean {
    return Math.abs(w) * this.#ckks.scale < 0.5;
  }

  /**
   * acc (+)= x · w for a scalar w. node-seal has no scalar multiply, so w is encoded
   * as a constant plaintext: conv's few weights are cached per level, fc1's 32,768
   * are written on the fly (caching them would take ~8 GB; see constant-plaintext.ts).
   */
  #multiplyAdd(
    acc: Ciphertext,
    x: Ciphertext,
    w: number,
    first: boolean,
    product: Ciphertext,
    cache = true,
  ): void {
    const owned = cache ? null : this.#encodeConstant(w, x);
    const t0 = performance.now();
    const plaintext = owned ?? this.#constant(w, x);
    if (first) this.#evaluator.multiplyPlain(x, plaintext, acc);
    else this.#evaluator.multiplyPlain(x, plaintext, product);
    const t1 = performance.now();
    if (!first) this.#evaluator.addInplace(acc, product);
    this.ms.multiplyPlain += t1 - t0;
    this.ms.add += performance.now() - t1;
    owned?.delete();
  }

  #encodeConstant(value: number, like: Ciphertext): Plaintext {
    const t0 = performance.now();
    const plaintext = this.#constantPlaintexts.encode(value, like);
    this.ms.encode += performance.now() - t0;
    return plaintext;
  }

  #constant(value: number, like: Ciphertext): Plaintext {
    const key = `${value}@${like.coeffModulusSize()}`;
    let plaintext = this.#constants.get(key);
    if (!plaintext) {
      plaintext = this.#encodeConstant(value, like);
      this.#constants.set(key, plaintext);
    }
    return plaintext;
  }

  #addConstant(x: Ciphertext, value: number): void {
    if (value === 0) return;
    using plaintext = this.#constantPlaintexts.encode(value, x, x.scale());
    this.#evaluator.addPlainInplace(x, plaintext);
  }

  /** fc1's steps after hidden unit `index`'s sum: relinearise, two rescales, bias, x². */
  #hiddenSteps(h: Ciphertext, index: number): void {
    this.#relinearize(h);
    this.#rescale(h);
    this.#rescale(h);
    this.#addConstant(h, this.#weights.fc1Bias[index]!);
    this.#square(h);
  }

  /** x ← x² at scale Δ², left three polynomials (fc1's lazy relinearisation). */
  #squareOnly(x: Ciphertext): void {
    const t0 = performance.now();
    this.#evaluator.squareInplace(x);
    this.ms.square += performance.now() - t0;
  }

  /** x ← x², relinearised and rescaled. */
  #square(x: Ciphertext): void {
    this.#squareOnly(x);
    this.#relinearize(x);
    this.#rescale(x);
  }

  /** Back to two polynomials (a no-op on a ciphertext that has two). */
  #relinearize(x: Ciphertext): void {
    if (x.size() <= 2) return;
    const t0 = performance.now();
    this.#evaluator.relinearizeInplace(x, this.#relinKeys);
    this.ms.relinearize += performance.now() - t0;
  }

  #rescale(x: Ciphertext): void {
    const t0 = performance.now();
    this.#evaluator.rescaleToNextInplace(x);
    this.ms.rescale += performance.now() - t0;
  }

  [Symbol.dispose](): void {
    for (const plaintext of this.#constants.values()) plaintext.delete();
    this.#constants.clear();
    this.#constantPlaintexts[Symbol.dispose]();
    this.#linear?.[Symbol.dispose]();
    for (const handle of [this.#evaluator, this.#galoisKeys, this.#relinKeys]) {
      if (handle && !handle.isDeleted()) handle.delete();
    }
  }
}
