// BASELINE ONLY: the plaintext slot vectors TenSEAL builds, reproduced from its C++
// (tenseal/cpp/tensors/plain_tensor.h, utils/utils.h, encrypted_vector.h,
// ckksvector.cpp). They feed the TenSEAL-style reference implementation that our packed
// engine is benchmarked against; nothing here is used to serve vault queries.
import type { ChunkCnnArchitecture } from '../../src-main/engine/sealed/model/chunk-cnn.ts';
import { convOutputSize } from '../../src-main/engine/sealed/model/chunk-cnn.ts';

export function nextPowerOfTwo(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a positive integer, got ${n}`);
  return 2 ** Math.ceil(Math.log2(n));
}

export interface Im2colMatrix {
  /** Rows: one per output position, output row outer, output column inner. */
  readonly windows: number;
  /** Columns: the k×k window read row-major, zero-padded to a power of two. */
  readonly paddedTaps: number;
  /** [window][tap], row-major. */
  readonly values: Float64Array;
}

/**
 * TenSEAL's PlainTensor::im2col. The taps are padded to a power of two because
 * conv2d_im2col sums them by halving (rotate by windows·taps/2, add, and so on).
 */
export function im2colMatrix(chunk: ArrayLike<number>, arch: ChunkCnnArchitecture): Im2colMatrix {
  const n = arch.inputSize;
  if (chunk.length !== n * n) {
    throw new RangeError(`chunk has ${chunk.length} values, expected ${n * n}`);
  }
  const out = convOutputSize(arch);
  const k = arch.kernel;
  const windows = out * out;
  const paddedTaps = nextPowerOfTwo(k * k);
  const values = new Float64Array(windows * paddedTaps);
  for (let i = 0; i < out; i++) {
    for (let j = 0; j < out; j++) {
      const row = (i * out + j) * paddedTaps;
      for (let dy = 0; dy < k; dy++) {
        for (let dx = 0; dx < k; dx++) {
          values[row + dy * k + dx] = chunk[(i * arch.stride + dy) * n + j * arch.stride + dx]!;
        }
      }
    }
  }
  return { windows, paddedTaps, values };
}

/**
 * TenSEAL's vertical_scan (column-major flatten): slot = column·rows + row. For the
 * im2col matrix that puts each tap's window values side by side (taps-major), the
 * layout conv2d_im2col multiplies by the kernel and rotate-and-sums over.
 */
export function verticalScan(values: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const result = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) result[c * rows + r] = values[r * cols + c]!;
  }
  return result;
}

/** The vector ts.im2col_encoding encrypts: the im2col matrix, vertically scanned. */
export function im2colVector(chunk: ArrayLike<number>, arch: ChunkCnnArchitecture): Float64Array {
  const matrix = im2colMatrix(chunk, arch);
  return verticalScan(matrix.values, matrix.windows, matrix.paddedTaps);
}

/** TenSEAL's replicate_vector: repeats the values until there are `size` (the last copy may be cut). */
export function replicate(values: ArrayLike<number>, size: number): Float64Array {
  if (values.length === 0) throw new RangeError('can’t replicate an empty vector');
  const result = new Float64Array(size);
  for (let i = 0; i < size; i++) result[i] = values[i % values.length]!;
  return result;
}

/**
 * enc_matmul_plain's plain operand: the flattened kernel zero-padded to a power of two,
 * each tap repeated `windows` times (matching the taps-major im2col layout), then
 * replicated over all slots.
 */
export function kernelSlots(
  kernel: ArrayLike<number>,
  windows: number,
  slots: number,
): Float64Array {
  const taps = nextPowerOfTwo(kernel.length);
  const perWindow = new Float64Array(taps * windows);
  for (let t = 0; t < kernel.length; t++)
    perWindow.fill(kernel[t]!, t * windows, (t + 1) * windows);
  return replicate(perWindow, slots);
}

/**
 * diagonal_ct_vector_matmul's i-th plain operand for a rows×cols matrix (row-major,
 * rows = input size): get_diagonal(-i) (extended cyclically over the matrix), replicated
 * to all slots, then rotated right by i (std::rotate). After multiplying the replicated
 * input by it and rotating left by i, slot j holds x[(i+j) % rows]·M[(i+j) % rows][j % cols];
 * summing over i gives (x·M)[j].
 */
export function diagonalSlots(
  matrix: ArrayLike<number>,
  rows: number,
  cols: number,
  i: number,
  slots: number,
): Float64Array {
  const diagonal = new Float64Array(Math.min(slots, rows * cols));
  for (let t = 0; t < diagonal.length; t++) {
    diagonal[t] = matrix[((i + t) % rows) * cols + (t % cols)]!;
  }
  const replicated = replicate(diagonal, slots);
  const rotated = new Float64Array(slots);
  for (let t = 0; t < slots; t++) rotated[(t + i) % slots] = replicated[t]!;
  return rotated;
}

/**
 * pack_vectors' mask for vector `index` of `count` vectors of `size` values: ones on
 * [index·size, (index+1)·size) of a count·size block, replicated over all slots.
 */
export function packMask(index: number, count: number, size: number, slots: number): Float64Array {
  const block = new Float64Array(count * size);
  block.fill(1, index * size, (index + 1) * size);
  return replicate(block, slots);
}

/**
 * [outputs][inputs] (PyTorch Linear layout) → [inputs][outputs]: TenSEAL's mm takes the
 * matrix with one row per input (its users pass `fc.weight.T`).
 */
export function transpose(
  weight: ArrayLike<number>,
  outputs: number,
  inputs: number,
): Float64Array {
  const result = new Float64Array(outputs * inputs);
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < inputs; i++) result[i * outputs + o] = weight[o * inputs + i]!;
  }
  return result;
}
