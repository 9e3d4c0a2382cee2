// The packed chunk CNN on CKKS ciphertexts. It holds evaluation keys only
// (relinearisation + Galois keys for exactly the plan's rotation steps): it can
// compute on ciphertexts but never decrypt them. Layer names follow the network:
// conv2d → square → mm → square → mm (+ block sum), each a LinearPlan.
import type { Ciphertext, GaloisKeys, Plaintext, RelinKeys } from 'node-seal/throws';
import type { Seal } from '../../ckks/seal-runtime.ts';
import { sealInput, toBytes } from '../../ckks/seal-runtime.ts';
import type { CkksContext } from '../../ckks/ckks-presets.ts';
import type { LinearPlan } from './linear-plan.ts';
import type { PackedCnnPlan } from './packed-cnn-plan.ts';
import { maskBlocks, packedCnnRotationSteps, scoreLayer } from './packed-cnn-plan.ts';

export interface EvaluationKeyBytes {
  readonly relinKeys: Uint8Array;
  readonly galoisKeys: Uint8Array;
}

export interface EngineCounters {
  rotations: number;
  multiplications: number;
  ciphertexts: number;
  /** Milliseconds per kind of operation, for the benchmark's profile. */
  ms: {
    rotate: number;
    multiplyPlain: number;
    add: number;
    rescale: number;
    squareRelin: number;
    encode: number;
  };
}

export class PackedCnnEngine implements Disposable {
  /** One plan per ensemble member (planPackedEnsemble); a single net has one. */
  readonly plans: readonly PackedCnnPlan[];
  readonly counters: EngineCounters = {
    rotations: 0,
    multiplications: 0,
    ciphertexts: 0,
    ms: { rotate: 0, multiplyPlain: 0, add: 0, rescale: 0, squareRelin: 0, encode: 0 },
  };
  readonly #seal: Seal;
  readonly #ckks: CkksContext;
  readonly #relinKeys: RelinKeys;
  readonly #galoisKeys: GaloisKeys;
  readonly #evaluator;
  readonly #encoder;
  /** Weight plaintexts, encoded once at the level their layer runs at. */
  readonly #weightCache = new Map<Float64Array, Plaintext>();

  constructor(
    seal: Seal,
    ckks: CkksContext,
    plans: PackedCnnPlan | readonly PackedCnnPlan[],
    keys: EvaluationKeyBytes,
  ) {
    this.#seal = seal;
    this.#ckks = ckks;
    this.plans = Array.isArray(plans) ? plans : [plans as PackedCnnPlan];
    if (this.plans.length === 0) throw new RangeError('the engine needs at least one plan');
    this.#relinKeys = new seal.RelinKeys();
    this.#galoisKeys = new seal.GaloisKeys();
    this.#evaluator = new seal.Evaluator(ckks.context);
    this.#encoder = new seal.CKKSEncoder(ckks.context);
    try {
      this.#relinKeys.loadFromArray(ckks.context, sealInput(keys.relinKeys));
      this.#galoisKeys.loadFromArray(ckks.context, sealInput(keys.galoisKeys));
    } catch {
      this[Symbol.dispose]();
      throw new Error('evaluation keys do not match the CKKS parameters');
    }
    const missing = packedCnnRotationSteps(this.plans).filter(
      (step) => !this.#galoisKeys.hasKey(galoisElt(step, ckks.preset.polyModulusDegree)),
    );
    if (missing.length > 0) {
      this[Symbol.dispose]();
      throw new Error(
        `Galois keys lack rotation steps ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? '…' : ''}`,
      );
    }
  }

  /** Loads a serialised ciphertext (a stored feature-chunk ciphertext). */
  load(bytes: Uint8Array): Ciphertext {
    const ciphertext = new this.#seal.Ciphertext();
    try {
      ciphertext.loadFromArray(this.#ckks.context, sealInput(bytes));
    } catch (error) {
      ciphertext.delete();
      throw new Error('not a ciphertext for these parameters', { cause: error });
    }
    return ciphertext;
  }

  serialize(ciphertext: Ciphertext): Uint8Array {
    return toBytes(ciphertext.saveToArray(this.#seal.ComprModeType.zstd));
  }

  /**
   * Runs the network on one ciphertext of packed chunks, of which the first
   * `occupiedBlocks` blocks hold chunks. Returns a new ciphertext (caller deletes).
   * An ensemble's members run one after another on the same input; their score
   * ciphertexts (same level and scale) are added. The members' convs read the same input
   * at the same baby steps (one architecture), so each rotation of the input is made
   * once and shared: rotating a ciphertext is deterministic, so the result is the same
   * ciphertext as rotating it per member, at the cost of one member's conv rotations.
   */
  inferCiphertext(
    input: Ciphertext,
    occupiedBlocks: number,
    options: { sumBlocks: boolean },
  ): Ciphertext {
    let total: Ciphertext | null = null;
    const inputRotations = new Map<number, Ciphertext>([[0, input]]);
    try {
      for (const plan of this.plans) {
        const scores = this.#inferMember(plan, inputRotations, occupiedBlocks, options);
        if (total) {
          this.#evaluator.addInplace(total, scores);
          scores.delete();
        } else total = scores;
      }
    } finally {
      for (const [step, ciphertext] of inputRotations) if (step !== 0) ciphertext.delete();
    }
    this.counters.ciphertexts++;
    return total!;
  }

  #inferMember(
    plan: PackedCnnPlan,
    inputRotations: Map<number, Ciphertext>,
    occupiedBlocks: number,
    options: { sumBlocks: boolean },
  ): Ciphertext {
    const mask = (values: Float64Array) => maskBlocks(values, plan, occupiedBlocks);
    const conv = this.#linear(plan.conv, inputRotations.get(0)!, mask(plan.biases.conv), {
      rotations: inputRotations,
    });
    const hidden = this.#linear(plan.fc1, this.#squareInplace(conv), mask(plan.biases.fc1));
    conv.delete();
    const last = scoreLayer(plan, occupiedBlocks, options.sumBlocks);
    const scores = this.#linear(last.linear, this.#squareInplace(hidden), last.bias);
    hidden.delete();
    return scores;
  }

  /** Adds b into a (same level and scale): the image result is the sum over its ciphertexts. */
  addInplace(a: Ciphertext, b: Ciphertext): void {
    this.#evaluator.addInplace(a, b);
  }

  /**
   * mm / conv2d: Σ_g rot_g(Σ_b P_{g,b} ⊙ rot_b(x)), folds, one rescale, + bias. With
   * `shared.rotations` (x's rotations by step, 0 → x) the baby steps are taken from and
   * added to it, and the caller deletes them; otherwise they are this call's own.
   */
  #linear(
    plan: LinearPlan,
    x: Ciphertext,
    bias: Float64Array,
    shared?: { rotations: Map<number, Ciphertext> },
  ): Ciphertext {
    const ev = this.#evaluator;
    const rotated = shared?.rotations ?? new Map<number, Ciphertext>([[0, x]]);
    for (const step of plan.babySteps)
      if (!rotated.has(step)) rotated.set(step, this.#rotate(x, step));
    let output: Ciphertext | null = null;
    using product = new this.#seal.Ciphertext();
    for (const giant of plan.giantSteps) {
      const inner = new this.#seal.Ciphertext();
      let first = true;
      for (const term of giant.terms) {
        const source = rotated.get(term.baby)!;
        const weights = this.#weights(term.values, source);
        // A diagonal of weights below the encoding's resolution (|w|·Δ < ½: weight decay
        // leaves such) encodes to zero; its product is below CKKS precision, and SEAL
        // refuses the transparent ciphertext it would make.
        if (weights.isZero()) continue;
        const t0 = performance.now();
        if (first) ev.multiplyPlain(source, weights, inner);
        else ev.multiplyPlain(source, weights, product);
        const t1 = performance.now();
        if (!first) ev.addInplace(inner, product);
        first = false;
        this.counters.ms.multiplyPlain += t1 - t0;
        this.counters.ms.add += performance.now() - t1;
        this.counters.multiplications++;
      }
      if (first) {
        inner.delete();
        continue;
      }
      if (giant.step !== 0) {
        const t0 = performance.now();
        ev.rotateVectorInplace(inner, giant.step, this.#galoisKeys);
        this.counters.ms.rotate += performance.now() - t0;
        this.counters.rotations++;
      }
      if (output) {
        ev.addInplace(output, inner);
        inner.delete();
      } else output = inner;
    }
    if (!shared) for (const [step, ciphertext] of rotated) if (step !== 0) ciphertext.delete();
    if (!output)
      throw new Error(
        `${plan.name}: every weight is below the CKKS encoding's resolution; the model is degenerate`,
      );
    this.#rotateAndSumInplace(output, plan.foldSteps);
    const t0 = performance.now();
    ev.rescaleToNextInplace(output);
    this.counters.ms.rescale += performance.now() - t0;
    this.#addPlainVector(output, bias);
    return output;
  }

  #squareInplace(x: Ciphertext): Ciphertext {
    const t0 = performance.now();
    this.#evaluator.squareInplace(x);
    this.#evaluator.relinearizeInplace(x, this.#relinKeys);
    const t1 = performance.now();
    this.#evaluator.rescaleToNextInplace(x);
    this.counters.ms.squareRelin += t1 - t0;
    this.counters.ms.rescale += performance.now() - t1;
    return x;
  }

  #rotate(x: Ciphertext, step: number): Ciphertext {
    const out = new this.#seal.Ciphertext();
    const t0 = performance.now();
    this.#evaluator.rotateVector(x, step, this.#galoisKeys, out);
    this.counters.ms.rotate += performance.now() - t0;
    this.counters.rotations++;
    return out;
  }

  #rotateAndSumInplace(x: Ciphertext, steps: readonly number[]): void {
    for (const step of steps) {
      using rotated = this.#rotate(x, step);
      this.#evaluator.addInplace(x, rotated);
    }
  }

  #weights(values: Float64Array, like: Ciphertext): Plaintext {
    let plaintext = this.#weightCache.get(values);
    if (!plaintext) {
      plaintext = this.#encodeAt(values, this.#ckks.scale, like);
      this.#weightCache.set(values, plaintext);
    }
    return plaintext;
  }

  #addPlainVector(x: Ciphertext, values: Float64Array): void {
    if (values.every((v) => v === 0)) return;
    using plaintext = this.#encodeAt(values, x.scale(), x);
    this.#evaluator.addPlainInplace(x, plaintext);
  }

  #encodeAt(values: Float64Array, scale: number, like: Ciphertext): Plaintext {
    const t0 = performance.now();
    const plaintext = new this.#seal.Plaintext();
    this.#encoder.encode(values, scale, plaintext);
    using parmsId = like.parmsId();
    this.#evaluator.plainModSwitchToInplace(plaintext, parmsId);
    this.counters.ms.encode += performance.now() - t0;
    return plaintext;
  }

  [Symbol.dispose](): void {
    for (const plaintext of this.#weightCache.values()) plaintext.delete();
    this.#weightCache.clear();
    for (const handle of [this.#encoder, this.#evaluator, this.#galoisKeys, this.#relinKeys]) {
      if (!handle.isDeleted()) handle.delete();
    }
  }
}

/** SEAL's Galois element for a rotation by `step` slots (3^step mod 2N, as in SEAL). */
export function galoisElt(step: number, polyModulusDegree: number): number {
  const m = 2 * polyModulusDegree;
  const slots = polyModulusDegree / 2;
  const s = ((step % slots) + slots) % slots;
  let elt = 1;
  for (let i = 0; i < s; i++) elt = (elt * 3) % m;
  return elt;
}
