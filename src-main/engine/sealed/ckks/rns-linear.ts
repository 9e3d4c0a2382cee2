// Ciphertext linear combinations on the RNS kernel (rns-kernel.wat): out_u = Σ_r w_{u,r} · y_r
// for ciphertexts y_r of one level and scalar weights, byte-equal to SEAL doing each term
// as a multiplyPlain by the weight's constant plaintext (constant-plaintext.ts: the
// integer c = round(w · Δ), as c mod q_j in every NTT word of prime j) and adding the
// products with addInplace. Both give Σ_r (c_{u,r} mod q_j) · y_r mod q_j in every word,
// a unique residue, however the sum is grouped (rns-linear.test.ts checks the bytes).
//
// Ciphertexts cross between SEAL and the kernel as uncompressed serialisations: the data
// words (u64, poly-major, then prime, then the N NTT words) are the buffer's last bytes,
// preceded by their count. An output is the header of one real SEAL product of an input
// by a constant at the working scale (its parms_id, size and scale = input scale × Δ)
// followed by the kernel's words. Every assumption is checked and fails loudly.
import type { Ciphertext } from 'node-seal/throws';
import type { Seal } from './seal-runtime.ts';
import { sealInput, toBytes } from './seal-runtime.ts';
import type { CkksContext } from './ckks-presets.ts';
import { ConstantPlaintexts } from './constant-plaintext.ts';
import type { RnsLevel } from './rns-combination.ts';
import { LinearCombination, sameHeader } from './rns-combination.ts';
import { maxTermsPerFlush, primeKind, RnsKernel } from './rns-kernel.ts';

/** Milliseconds in the kernel (copies in and out included) and in SEAL (de)serialisation. */
export interface LinearProfile {
  kernel: number;
  serialize: number;
}

/** A sum of this many terms or fewer per flush keeps memory small and reductions rare. */
const DEFAULT_BLOCK_ROWS = 128;

export class RnsLinear implements Disposable {
  readonly kernel = new RnsKernel();
  readonly ms: LinearProfile;
  /** The longest flush every prime of the chain allows (rns-kernel.ts's bounds). */
  readonly maxBlockRows: number;
  readonly #seal: Seal;
  readonly #ckks: CkksContext;
  readonly #evaluator;
  readonly #constants: ConstantPlaintexts;
  readonly #levels: RnsLevel[] = [];

  constructor(seal: Seal, ckks: CkksContext, ms: LinearProfile = { kernel: 0, serialize: 0 }) {
    this.#seal = seal;
    this.#ckks = ckks;
    this.ms = ms;
    this.maxBlockRows = Math.min(...ckks.primes.map(maxTermsPerFlush));
    this.#evaluator = new seal.Evaluator(ckks.context);
    this.#constants = new ConstantPlaintexts(seal, ckks);
  }

  get scale(): number {
    return this.#ckks.scale;
  }

  /**
   * A combination into `units` outputs. `rows` (the number of terms to come, if known)
   * picks equal flushes of at most `maxBlockRows` rows (default 128; a block of rows is
   * the combination's largest buffer); `blockRows` sets the flush length itself.
   */
  combination(
    units: number,
    options: { rows?: number; maxBlockRows?: number; blockRows?: number } = {},
  ) {
    const cap = Math.min(options.maxBlockRows ?? DEFAULT_BLOCK_ROWS, this.maxBlockRows);
    const rows = options.rows;
    const blockRows =
      options.blockRows ?? (rows && rows > 0 ? Math.ceil(rows / Math.ceil(rows / cap)) : cap);
    if (!(Number.isInteger(blockRows) && blockRows >= 1 && blockRows <= this.maxBlockRows))
      throw new RangeError(`flushes of ${blockRows} rows: 1..${this.maxBlockRows} are exact`);
    return new LinearCombination(this, units, blockRows);
  }

  /** A ciphertext's uncompressed serialisation, what combinations take. */
  save(ciphertext: Ciphertext): Uint8Array {
    const t0 = performance.now();
    const bytes = toBytes(ciphertext.saveToArray(this.#seal.ComprModeType.none));
    this.ms.serialize += performance.now() - t0;
    return bytes;
  }

  /** A new Ciphertext (the caller deletes it) from a serialisation, compressed or not. */
  load(bytes: Uint8Array): Ciphertext {
    const t0 = performance.now();
    const ciphertext = new this.#seal.Ciphertext();
    try {
      ciphertext.loadFromArray(this.#ckks.context, sealInput(bytes));
    } catch (error) {
      ciphertext.delete();
      throw error;
    }
    this.ms.serialize += performance.now() - t0;
    return ciphertext;
  }

  /** The level of an uncompressed serialisation (learnt once per header, through SEAL). */
  level(raw: Uint8Array): RnsLevel {
    for (const level of this.#levels) if (sameHeader(level, raw)) return level;
    using ciphertext = this.load(raw);
    if (!ciphertext.isNttForm()) throw new Error('the RNS kernel needs ciphertexts in NTT form');
    const size = ciphertext.size();
    const count = ciphertext.coeffModulusSize();
    const n = ciphertext.polyModulusDegree();
    if (size < 2 || n % 16 !== 0) throw new Error(`unexpected ciphertext: size ${size}, N ${n}`);
    const dataOffset = checkedDataOffset(raw, size * count * n);
    // A level keeps a prefix of the chain's primes (SEAL drops them from the end).
    const primes = this.#ckks.primes.slice(0, count);
    using one = this.#constants.encode(1, ciphertext);
    using product = new this.#seal.Ciphertext();
    this.#evaluator.multiplyPlain(ciphertext, one, product);
    const out = this.save(product);
    if (out.length !== raw.length || checkedDataOffset(out, size * count * n) !== dataOffset)
      throw new Error('unexpected SEAL product serialisation: cannot write products directly');
    const level: RnsLevel = {
      inputHeader: raw.slice(0, dataOffset),
      outputHeader: out.slice(0, dataOffset),
      dataOffset,
      size,
      n,
      primes,
      kinds: primes.map(primeKind),
    };
    this.#levels.push(level);
    return level;
  }

  [Symbol.dispose](): void {
    this.#constants[Symbol.dispose]();
    if (!this.#evaluator.isDeleted()) this.#evaluator.delete();
  }
}

/** Where `words` data words start, after checking SEAL wrote their count just before. */
function checkedDataOffset(bytes: Uint8Array, words: number): number {
  const offset = bytes.length - 8 * words;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (offset < 8 || view.getBigUint64(offset - 8, true) !== BigInt(words))
    throw new Error('unexpected SEAL ciphertext serialisation: cannot read its words directly');
  return offset;
}
