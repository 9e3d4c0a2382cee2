// BASELINE ONLY. The TenSEAL-style reference implementation of the encrypted chunk CNN:
// the unoptimised way TenSEAL's tutorial (Tutorial 4, "Encrypted Convolution on MNIST")
// evaluates a network of this shape (its conv is ours; its FC sizes are 256→64→10):
// im2col encoding → conv2d_im2col per channel → x² → mm → x² → mm. Kept only so the
// benchmark can say how much faster our packed engine is; never used to serve queries.
// Single-threaded (TenSEAL's mm with n_jobs = 1); power-of-two Galois keys only.
// Measured on 2 shared cores (N = 8192): ~7–8 s per chunk, 403 rotations, 1,003 key
// switches (TENSEAL_TUTORIAL_PRESET: ~9 s, 406 rotations, 1,175 key switches).
//
// Channel packing depends on the depth the preset affords:
// - 'pack-vectors' (depth ≥ 6, e.g. TENSEAL_TUTORIAL_PRESET, the tutorial's own
//   [31, 26×6, 31] chain): TenSEAL's exact program. pack_vectors' masks cost a level, so
//   it needs six rescales: conv, pack, x², mm, x², mm.
// - 'per-channel-mm' (depth 5, DEFAULT_CKKS_PRESET): pack_vectors does not fit, so each
//   channel is squared and multiplied by its 64-row block of fc1 (TenSEAL's mm) and the
//   four results are added: the same TenSEAL ops and about the same rotations (4·63
//   instead of 255), minus the masking level.
import type { PublicKey, SecretKey, Decryptor, Plaintext } from 'node-seal/throws';
import type { Seal } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';
import type { CkksContext, CkksPreset } from '../../src-main/engine/sealed/ckks/ckks-presets.ts';
import {
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../../src-main/engine/sealed/ckks/ckks-presets.ts';
import type { ChunkCnnWeights } from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { convOutputSize, flattenedSize } from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { nextPowerOfTwo, replicate, transpose } from './tenseal-plain.ts';
import type { CkksVector, HeOpCounts, TensealKit } from './tenseal-ops.ts';
import {
  addPlainInplace,
  conv2dIm2col,
  im2colEncoding,
  matmulPlain,
  packVectors,
  squareInplace,
  zeroCounts,
} from './tenseal-ops.ts';

/** The CKKS chain of TenSEAL's tutorial for this network: 218 bits, the 128-bit maximum at N = 8192. */
export const TENSEAL_TUTORIAL_PRESET: CkksPreset = Object.freeze({
  id: 'tenseal-tutorial-n8192-d6-s26',
  polyModulusDegree: 8192,
  coeffModulusBits: Object.freeze([31, 26, 26, 26, 26, 26, 26, 31]),
  scaleBits: 26,
  depth: 6,
});

export type ChannelPacking = 'pack-vectors' | 'per-channel-mm';

export interface TensealStyleOptions {
  /** Default DEFAULT_CKKS_PRESET (→ 'per-channel-mm'); depth ≥ 6 → 'pack-vectors'. */
  readonly preset?: CkksPreset;
  /**
   * false (default, the TenSEAL way): encode every plain operand afresh on every op.
   * true: encode each one once per level and reuse it (faster than TenSEAL).
   */
  readonly cachePlaintexts?: boolean;
}

export interface ChunkClassification {
  readonly scores: Float64Array;
  /** Wall time of inferChunk alone (the evaluator's share; encryption/decryption excluded). */
  readonly seconds: number;
  readonly rotations: number;
  readonly keySwitches: number;
}

export class TensealStyleBaseline implements Disposable {
  readonly packing: ChannelPacking;
  readonly preset: CkksPreset;
  readonly #weights: ChunkCnnWeights;
  readonly #ckks: CkksContext;
  readonly #secretKey: SecretKey;
  readonly #publicKey: PublicKey;
  readonly #decryptor: Decryptor;
  readonly #kit: TensealKit;
  readonly #fc1: Float64Array; // [flattened][hidden], as TenSEAL's mm takes it (fc1.weight.T)
  readonly #fc2: Float64Array; // [hidden][classes]

  constructor(seal: Seal, weights: ChunkCnnWeights, options: TensealStyleOptions = {}) {
    const arch = weights.architecture;
    this.preset = options.preset ?? DEFAULT_CKKS_PRESET;
    this.packing = this.preset.depth >= 6 ? 'pack-vectors' : 'per-channel-mm';
    if (this.preset.depth < 5) throw new RangeError('the TenSEAL-style chunk CNN needs depth ≥ 5');
    const slots = this.preset.polyModulusDegree / 2;
    const windows = convOutputSize(arch) ** 2;
    const flat = flattenedSize(arch);
    // Slot budget of the replicated layouts (see matmulPlain): im2col fills windows·taps
    // slots, fc1 reads input slots up to flat + hidden, fc2 up to hidden + classes.
    if (windows * nextPowerOfTwo(arch.kernel ** 2) > slots || flat + arch.hidden > slots) {
      throw new RangeError('the architecture does not fit the preset’s slots');
    }
    this.#weights = weights;
    this.#fc1 = transpose(weights.fc1Weight, arch.hidden, flat);
    this.#fc2 = transpose(weights.fc2Weight, arch.classes, arch.hidden);
    this.#ckks = createCkksContext(seal, this.preset);
    const context = this.#ckks.context;
    using keyGenerator = new seal.KeyGenerator(context);
    this.#secretKey = keyGenerator.secretKey();
    this.#publicKey = keyGenerator.createPublicKey();
    this.#decryptor = new seal.Decryptor(context, this.#secretKey);
    this.#kit = {
      seal,
      encoder: new seal.CKKSEncoder(context),
      encryptor: new seal.Encryptor(context, this.#publicKey),
      evaluator: new seal.Evaluator(context),
      relinKeys: keyGenerator.createRelinKeys(),
      // No steps: SEAL's default set, ±2^k for k < log2(slots), as generate_galois_keys().
      galoisKeys: keyGenerator.createGaloisKeys(),
      scale: this.#ckks.scale,
      slotCount: this.#ckks.slotCount,
      counts: zeroCounts(),
      plaintextCache: options.cachePlaintexts ? new Map<string, Plaintext>() : null,
    };
  }

  /** Running totals since construction (client-side encodes included). */
  get counts(): Readonly<HeOpCounts> {
    return { ...this.#kit.counts };
  }

  /** Client side: ts.im2col_encoding of one chunk (784 values in [0, 1]). */
  encryptChunk(chunk: Float64Array): CkksVector {
    return im2colEncoding(this.#kit, chunk, this.#weights.architecture);
  }

  /** Server side: the encrypted forward pass; scores in slots 0…classes−1. */
  inferChunk(encrypted: CkksVector): CkksVector {
    const kit = this.#kit;
    const w = this.#weights;
    const arch = w.architecture;
    const k2 = arch.kernel * arch.kernel;
    const windows = convOutputSize(arch) ** 2;
    const channels: CkksVector[] = [];
    let hidden: CkksVector | undefined;
    try {
      for (let c = 0; c < arch.channels; c++) {
        const kernel = w.convWeight.subarray(c * k2, (c + 1) * k2);
        const channel = conv2dIm2col(kit, encrypted, `conv${c}`, kernel, windows);
        channels.push(channel);
        // `+ bias` with a Python float: TenSEAL encodes the scalar into every slot.
        const bias = w.convBias[c]!;
        addPlainInplace(kit, channel, `conv${c}.bias`, () =>
          new Float64Array(kit.slotCount).fill(bias),
        );
      }
      hidden = this.#fc1Layer(channels, windows);
      // DEVIATION: TenSEAL adds a 128-value bias to slots 0…127 only, so fc2's wrap-around
      // reads (slots 128…133) miss it; we replicate it over the slots (same cost).
      addPlainInplace(kit, hidden, 'fc1.bias', () => replicate(w.fc1Bias, kit.slotCount));
      squareInplace(kit, hidden);
      const scores = matmulPlain(kit, hidden, 'fc2', this.#fc2, arch.hidden, arch.classes);
      try {
        addPlainInplace(kit, scores, 'fc2.bias', () => w.fc2Bias);
      } catch (error) {
        scores[Symbol.dispose]();
        throw error;
      }
      return scores;
    } finally {
      hidden?.[Symbol.dispose]();
      for (const channel of channels) channel[Symbol.dispose]();
    }
  }

  /** x² then fc1 (without its bias) on the biased conv channels, per `packing`. */
  #fc1Layer(channels: readonly CkksVector[], windows: number): CkksVector {
    const kit = this.#kit;
    const hiddenSize = this.#weights.architecture.hidden;
    if (this.packing === 'pack-vectors') {
      using packed = packVectors(kit, channels, 'pack');
      squareInplace(kit, packed);
      return matmulPlain(kit, packed, 'fc1', this.#fc1, packed.size, hiddenSize);
    }
    const parts: CkksVector[] = [];
    try {
      for (let c = 0; c < channels.length; c++) {
        squareInplace(kit, channels[c]!);
        // Rows c·windows … (c+1)·windows − 1 of fc1.weight.T: this channel's block.
        const block = this.#fc1.subarray(c * windows * hiddenSize, (c + 1) * windows * hiddenSize);
        parts.push(matmulPlain(kit, channels[c]!, `fc1.${c}`, block, windows, hiddenSize));
        if (c > 0) kit.evaluator.addInplace(parts[0]!.ciphertext, parts[c]!.ciphertext);
      }
    } catch (error) {
      parts.forEach((part) => part[Symbol.dispose]());
      throw error;
    }
    parts.slice(1).forEach((part) => part[Symbol.dispose]());
    return parts[0]!;
  }

  /** Client side: decrypts and keeps the class scores. */
  decryptScores(scores: CkksVector): Float64Array {
    using plaintext = new this.#kit.seal.Plaintext();
    this.#decryptor.decrypt(scores.ciphertext, plaintext);
    const slots = this.#kit.encoder.decodeFloat64(plaintext) as ArrayLike<number>;
    return Float64Array.from({ length: this.#weights.architecture.classes }, (_, i) => slots[i]!);
  }

  /** Encrypt → infer (timed, counted) → decrypt one chunk. */
  classifyChunk(chunk: Float64Array): ChunkClassification {
    using encrypted = this.encryptChunk(chunk);
    const before = this.counts;
    const start = performance.now();
    using scores = this.inferChunk(encrypted);
    const seconds = (performance.now() - start) / 1000;
    const after = this.#kit.counts;
    return {
      scores: this.decryptScores(scores),
      seconds,
      rotations: after.rotations - before.rotations,
      keySwitches: after.keySwitches - before.keySwitches,
    };
  }

  [Symbol.dispose](): void {
    const kit = this.#kit;
    for (const plaintext of kit.plaintextCache?.values() ?? []) plaintext.delete();
    kit.plaintextCache?.clear();
    for (const handle of [
      kit.galoisKeys,
      kit.relinKeys,
      kit.evaluator,
      kit.encryptor,
      kit.encoder,
      this.#decryptor,
      this.#publicKey,
      this.#secretKey,
    ]) {
      if (!handle.isDeleted()) handle.delete();
    }
    this.#ckks[Symbol.dispose]();
  }
}
