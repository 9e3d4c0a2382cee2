// BASELINE ONLY: TenSEAL's CKKSVector operations re-implemented on node-seal, as the
// reference our packed engine is benchmarked against (never used to serve queries).
// Each function names the TenSEAL routine it follows (tenseal/cpp/tensors/ckksvector.cpp,
// encrypted_vector.h, utils/utils.h). Deviations are marked DEVIATION; none changes
// which SEAL operations run or how many.
import type {
  CKKSEncoder,
  Ciphertext,
  Encryptor,
  Evaluator,
  GaloisKeys,
  Plaintext,
  RelinKeys,
} from 'node-seal/throws';
import type { Seal } from '../../src-main/engine/sealed/ckks/seal-runtime.ts';
import type { ChunkCnnArchitecture } from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { keySwitchesForRotation } from './rotation-cost.ts';
import {
  diagonalSlots,
  im2colVector,
  kernelSlots,
  nextPowerOfTwo,
  packMask,
  replicate,
} from './tenseal-plain.ts';

export interface HeOpCounts {
  /** Rotations that do work (TenSEAL's matmul also rotates by 0, which SEAL skips). */
  rotations: number;
  /** Galois key switches those rotations cost with power-of-two keys (see rotation-cost.ts). */
  keySwitches: number;
  relinearizations: number;
  multiplyPlain: number;
  rescales: number;
  encodes: number;
}

export function zeroCounts(): HeOpCounts {
  return {
    rotations: 0,
    keySwitches: 0,
    relinearizations: 0,
    multiplyPlain: 0,
    rescales: 0,
    encodes: 0,
  };
}

/** What a TenSEALContext holds: SEAL objects, the global scale and the auto-op policy. */
export interface TensealKit {
  readonly seal: Seal;
  readonly encoder: CKKSEncoder;
  readonly encryptor: Encryptor;
  readonly evaluator: Evaluator;
  readonly relinKeys: RelinKeys;
  readonly galoisKeys: GaloisKeys;
  /** TenSEAL's global_scale: every plain multiplicand is encoded at it. */
  readonly scale: number;
  readonly slotCount: number;
  readonly counts: HeOpCounts;
  /**
   * null: encode every plain operand afresh on every op, as TenSEAL does. A map: our
   * optional shortcut, one plaintext per (operand, level, scale), encoded on first use.
   */
  readonly plaintextCache: Map<string, Plaintext> | null;
}

/** TenSEAL's CKKSVector: one ciphertext and the logical size of the vector in it. */
export class CkksVector implements Disposable {
  readonly ciphertext: Ciphertext;
  size: number;

  constructor(ciphertext: Ciphertext, size: number) {
    this.ciphertext = ciphertext;
    this.size = size;
  }

  [Symbol.dispose](): void {
    if (!this.ciphertext.isDeleted()) this.ciphertext.delete();
  }
}

/**
 * TenSEALContext::encode + auto_mod_switch: encode on the top level, then mod-switch the
 * plaintext down to the ciphertext's level (SEAL's CKKS encoder has no target level here).
 */
function withPlainOperand(
  kit: TensealKit,
  key: string,
  scale: number,
  target: Ciphertext,
  values: () => ArrayLike<number>,
  use: (plaintext: Plaintext) => void,
): void {
  const cacheKey = `${key}@${target.coeffModulusSize()}/${scale}`;
  const cached = kit.plaintextCache?.get(cacheKey);
  if (cached) return use(cached);
  const plaintext = new kit.seal.Plaintext();
  try {
    kit.encoder.encode(Float64Array.from(values()), scale, plaintext);
    kit.counts.encodes++;
    using parmsId = target.parmsId();
    kit.evaluator.plainModSwitchToInplace(plaintext, parmsId);
    use(plaintext);
  } catch (error) {
    plaintext.delete();
    throw error;
  }
  if (kit.plaintextCache) kit.plaintextCache.set(cacheKey, plaintext);
  else plaintext.delete();
}

/**
 * auto_rescale. DEVIATION: TenSEAL then overwrites the scale with the global scale,
 * silently scaling the value by 2^26/q (0.1–0.8 % per rescale with these primes); we keep
 * SEAL's exact scale and encode additive operands at it instead (same operations).
 */
function rescaleInplace(kit: TensealKit, ciphertext: Ciphertext): void {
  kit.evaluator.rescaleToNextInplace(ciphertext);
  kit.counts.rescales++;
}

/** rotate_vector with the counters; `destination` defaults to in place. */
export function rotate(
  kit: TensealKit,
  ciphertext: Ciphertext,
  steps: number,
  destination: Ciphertext = ciphertext,
): void {
  const keySwitches = keySwitchesForRotation(steps, kit.slotCount);
  if (keySwitches > 0) kit.counts.rotations++;
  kit.counts.keySwitches += keySwitches;
  if (destination === ciphertext) {
    kit.evaluator.rotateVectorInplace(ciphertext, steps, kit.galoisKeys);
  } else {
    kit.evaluator.rotateVector(ciphertext, steps, kit.galoisKeys, destination);
  }
}

/** _mul_plain_inplace: multiply by a vector encoded at the global scale, then rescale. */
export function mulPlainInplace(
  kit: TensealKit,
  vector: CkksVector,
  key: string,
  values: () => ArrayLike<number>,
): void {
  withPlainOperand(kit, key, kit.scale, vector.ciphertext, values, (plaintext) =>
    kit.evaluator.multiplyPlainInplace(vector.ciphertext, plaintext),
  );
  kit.counts.multiplyPlain++;
  rescaleInplace(kit, vector.ciphertext);
}

/** _add_plain_inplace, encoded at the ciphertext's own scale (see rescaleInplace). */
export function addPlainInplace(
  kit: TensealKit,
  vector: CkksVector,
  key: string,
  values: () => ArrayLike<number>,
): void {
  const scale = vector.ciphertext.scale();
  withPlainOperand(kit, key, scale, vector.ciphertext, values, (plaintext) =>
    kit.evaluator.addPlainInplace(vector.ciphertext, plaintext),
  );
}

/** square_inplace: square, auto_relin, auto_rescale. */
export function squareInplace(kit: TensealKit, vector: CkksVector): void {
  kit.evaluator.squareInplace(vector.ciphertext);
  kit.evaluator.relinearizeInplace(vector.ciphertext, kit.relinKeys);
  kit.counts.relinearizations++;
  rescaleInplace(kit, vector.ciphertext);
}

/**
 * ts.im2col_encoding (client side): im2col, vertical scan, then CKKSVector::encrypt:
 * replicate to the slot count, encode at the global scale, encrypt with the public key.
 */
export function im2colEncoding(
  kit: TensealKit,
  chunk: ArrayLike<number>,
  arch: ChunkCnnArchitecture,
): CkksVector {
  const values = im2colVector(chunk, arch);
  if (values.length > kit.slotCount) {
    throw new RangeError(`im2col needs ${values.length} slots, the context has ${kit.slotCount}`);
  }
  using plaintext = new kit.seal.Plaintext();
  kit.encoder.encode(replicate(values, kit.slotCount), kit.scale, plaintext);
  kit.counts.encodes++;
  const ciphertext = new kit.seal.Ciphertext();
  try {
    kit.encryptor.encrypt(plaintext, ciphertext);
  } catch (error) {
    ciphertext.delete();
    throw error;
  }
  return new CkksVector(ciphertext, values.length);
}

/**
 * conv2d_im2col → enc_matmul_plain_inplace on a copy of the im2col vector: multiply by
 * the kernel repeated per window, then rotate-and-sum the taps by halving (rotate by
 * windows·taps/2, add, …, rotate by windows, add). Every slot ends up holding the output
 * of window (slot mod windows): the result is replicated with period `windows`.
 */
export function conv2dIm2col(
  kit: TensealKit,
  input: CkksVector,
  key: string,
  kernel: ArrayLike<number>,
  windows: number,
): CkksVector {
  let taps = nextPowerOfTwo(kernel.length);
  if (input.size / windows !== taps) {
    throw new RangeError('conv2d_im2col: matrix shape doesn’t match the vector size');
  }
  const result = new CkksVector(input.ciphertext.copy(), kit.slotCount);
  try {
    mulPlainInplace(kit, result, key, () => kernelSlots(kernel, windows, kit.slotCount));
    using rotated = new kit.seal.Ciphertext();
    while (taps > 1) {
      taps /= 2;
      rotate(kit, result.ciphertext, windows * taps, rotated);
      kit.evaluator.addInplace(result.ciphertext, rotated);
    }
    result.size = windows;
    return result;
  } catch (error) {
    result[Symbol.dispose]();
    throw error;
  }
}

/**
 * pack_vectors: no rotations: vector i (replicated with period `size`) is multiplied by
 * a mask keeping [i·size, (i+1)·size) of every count·size block (costing a level), and
 * the masked copies are added: the concatenation, replicated with period count·size.
 */
export function packVectors(
  kit: TensealKit,
  vectors: readonly CkksVector[],
  key: string,
): CkksVector {
  const count = vectors.length;
  const size = vectors[0]?.size ?? 0;
  if (count === 0 || vectors.some((vector) => vector.size !== size)) {
    throw new RangeError('pack_vectors needs one or more vectors of the same size');
  }
  if (count * size > kit.slotCount) throw new RangeError('pack_vectors: output exceeds the slots');
  const mask = (i: number) => () => packMask(i, count, size, kit.slotCount);
  const packed = new CkksVector(vectors[0]!.ciphertext.copy(), kit.slotCount);
  try {
    mulPlainInplace(kit, packed, `${key}.mask0`, mask(0));
    for (let i = 1; i < count; i++) {
      using part = new CkksVector(vectors[i]!.ciphertext.copy(), kit.slotCount);
      mulPlainInplace(kit, part, `${key}.mask${i}`, mask(i));
      kit.evaluator.addInplace(packed.ciphertext, part.ciphertext);
    }
    packed.size = count * size;
    return packed;
  } catch (error) {
    packed[Symbol.dispose]();
    throw error;
  }
}

/**
 * mm / matmul_plain: diagonal_ct_vector_matmul with one job, then auto_rescale. The
 * accumulator starts as an encryption of zero; for each of the `rows` diagonals: encode,
 * multiply the whole input, rotate the product left by i (one logical rotation per
 * diagonal, costing its NAF weight in key switches), add. The input must be replicated
 * with period `rows` over at least rows + cols slots; so is the output, with period `cols`.
 */
export function matmulPlain(
  kit: TensealKit,
  input: CkksVector,
  key: string,
  matrix: ArrayLike<number>,
  rows: number,
  cols: number,
): CkksVector {
  if (input.size !== rows) throw new RangeError('mm: matrix shape doesn’t match the vector size');
  const source = input.ciphertext;
  const result = new kit.seal.Ciphertext();
  try {
    kit.encryptor.encryptZero(result);
    using parmsId = source.parmsId();
    kit.evaluator.cipherModSwitchToInplace(result, parmsId);
    result.setScale(source.scale() * kit.scale);
    using product = new kit.seal.Ciphertext();
    for (let i = 0; i < rows; i++) {
      const diagonal = () => diagonalSlots(matrix, rows, cols, i, kit.slotCount);
      withPlainOperand(kit, `${key}.diag${i}`, kit.scale, source, diagonal, (plaintext) =>
        kit.evaluator.multiplyPlain(source, plaintext, product),
      );
      kit.counts.multiplyPlain++;
      rotate(kit, product, i);
      kit.evaluator.addInplace(result, product);
    }
    rescaleInplace(kit, result);
  } catch (error) {
    result.delete();
    throw error;
  }
  return new CkksVector(result, cols);
}
