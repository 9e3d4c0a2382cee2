// CKKS constant plaintexts (the same value in every slot), written directly.
//
// Why: the lanes layout multiplies ciphertexts by scalar weights, and node-seal has no
// scalar encode (SEAL's encode(double) is not bound), so each weight went through the
// vector encoder — an inverse FFT over 4096 slots and an NTT per prime — then a mod
// switch: 1.6 ms each on a quiet machine, 52–60 % of a lane batch's worker time (fc1
// alone has 32,768–100,352 weights per net).
//
// A constant's encoding is known in closed form. Its polynomial is the constant
// c = round(value · scale) (the inverse FFT of equal slots has no other term), and the
// NTT of a constant is that constant in every one of the N words; so in prime q_j the
// plaintext's words are all c mod q_j. We let SEAL's own encoder make one template per
// (level, scale) — its serialised header carries the parms_id, coefficient count and
// scale — and only write the N · L data words. The result is byte-equal to the
// encoder's (constant-plaintext.test.ts) at a fraction of the cost.
import type { Ciphertext, Plaintext } from 'node-seal/throws';
import type { Seal } from './seal-runtime.ts';
import { toBytes } from './seal-runtime.ts';
import type { CkksContext } from './ckks-presets.ts';

interface Template {
  readonly bytes: Uint8Array;
  /** Offset of the first data word (after SEAL's headers, the parms_id, count and scale). */
  readonly dataOffset: number;
  readonly moduli: readonly bigint[];
}

/**
 * The integer a constant encodes to, c = round(value · scale), rounded half away from
 * zero as SEAL does (Math.round rounds −2.5 to −2); 0 (or −0) when it encodes to zero.
 * The RNS kernel (rns-combination.ts) multiplies by the same integer.
 */
export function constantInteger(value: number, scale: number): number {
  const scaled = value * scale;
  if (!Number.isFinite(scaled) || Math.abs(scaled) >= Number.MAX_SAFE_INTEGER)
    throw new RangeError(`constant ${value} at scale ${scale} does not fit an exact encoding`);
  return Math.sign(scaled) * Math.round(Math.abs(scaled));
}

export class ConstantPlaintexts implements Disposable {
  readonly #seal: Seal;
  readonly #ckks: CkksContext;
  readonly #encoder;
  readonly #evaluator;
  readonly #templates = new Map<string, Template>();

  constructor(seal: Seal, ckks: CkksContext) {
    this.#seal = seal;
    this.#ckks = ckks;
    this.#encoder = new seal.CKKSEncoder(ckks.context);
    this.#evaluator = new seal.Evaluator(ckks.context);
  }

  /**
   * A new plaintext (the caller deletes it) holding `value` in every slot, at the level
   * of `like` and the given scale (default: the context's working scale).
   */
  encode(value: number, like: Ciphertext, scale = this.#ckks.scale): Plaintext {
    const c = constantInteger(value, scale);
    const template = this.#template(like, scale);
    const bytes = template.bytes.slice();
    const n = this.#ckks.preset.polyModulusDegree;
    const words = new BigUint64Array(bytes.buffer, template.dataOffset, n * template.moduli.length);
    const exact = BigInt(c); // |c| < 2^53: an exact integer
    template.moduli.forEach((q, j) => words.fill(((exact % q) + q) % q, j * n, (j + 1) * n));
    const plaintext = new this.#seal.Plaintext();
    plaintext.loadFromArray(this.#ckks.context, bytes);
    return plaintext;
  }

  #template(like: Ciphertext, scale: number): Template {
    const key = `${like.coeffModulusSize()}@${scale}`;
    let template = this.#templates.get(key);
    if (template) return template;
    using parmsId = like.parmsId();
    using plaintext = new this.#seal.Plaintext();
    this.#encoder.encode(new Float64Array(this.#ckks.slotCount), scale, plaintext);
    this.#evaluator.plainModSwitchToInplace(plaintext, parmsId);
    const bytes = toBytes(plaintext.saveToArray(this.#seal.ComprModeType.none));
    // A level keeps a prefix of the chain's primes (SEAL drops them from the end).
    const moduli = this.#ckks.primes.slice(0, like.coeffModulusSize());
    const words = this.#ckks.preset.polyModulusDegree * moduli.length;
    const dataOffset = bytes.length - 8 * words;
    // SEAL writes the data array's length just before its words: check we found them.
    const view = new DataView(bytes.buffer);
    if (
      dataOffset < 8 ||
      dataOffset % 8 !== 0 ||
      view.getBigUint64(dataOffset - 8, true) !== BigInt(words)
    )
      throw new Error('unexpected SEAL plaintext serialisation: cannot write constants directly');
    template = { bytes, dataOffset, moduli };
    this.#templates.set(key, template);
    return template;
  }

  [Symbol.dispose](): void {
    this.#templates.clear();
    for (const handle of [this.#encoder, this.#evaluator]) if (!handle.isDeleted()) handle.delete();
  }
}
