// The wrapped wasm BatchMatMul (transposed operands transposed explicitly, then the
// fast untransposed kernel) must give the cpu backend's products for every transpose
// combination, batched or not, and free the transposed copies it makes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfWasm, tf } from './tf-wasm.ts';

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
}

interface Case {
  readonly a: number[];
  readonly b: number[];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

const CASES: Case[] = [
  { a: [37, 29], b: [29, 11], transposeA: false, transposeB: false },
  { a: [29, 37], b: [29, 11], transposeA: true, transposeB: false }, // dW = xᵀ·dy
  { a: [37, 29], b: [11, 29], transposeA: false, transposeB: true }, // dx = dy·Wᵀ
  { a: [29, 37], b: [11, 29], transposeA: true, transposeB: true },
  { a: [3, 17, 8], b: [3, 17, 5], transposeA: true, transposeB: false },
];

function product(c: Case): Float32Array {
  return tf.tidy(() => {
    const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
    const a = tf.tensor(seeded(size(c.a), 1), c.a);
    const b = tf.tensor(seeded(size(c.b), 2), c.b);
    return tf.matMul(a, b, c.transposeA, c.transposeB).dataSync() as Float32Array;
  });
}

describe('wasm BatchMatMul with transposed operands', () => {
  beforeAll(async () => {
    await initTfWasm();
    tf.env().set('IS_TEST', true);
  });
  afterAll(async () => {
    await initTfWasm();
  });

  it.each(CASES)(
    'matches the cpu backend for $a · $b (ᵀa $transposeA, ᵀb $transposeB)',
    async (c) => {
      await initTfWasm();
      const heapTensors = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
      const before = heapTensors();
      const onWasm = product(c);
      expect(heapTensors()).toBe(before); // the transposed copies are freed
      await tf.setBackend('cpu');
      const onCpu = product(c);
      await initTfWasm();
      expect(onWasm).toHaveLength(onCpu.length);
      for (let i = 0; i < onCpu.length; i++) expect(onWasm[i]).toBeCloseTo(onCpu[i]!, 4);
    },
  );
});
