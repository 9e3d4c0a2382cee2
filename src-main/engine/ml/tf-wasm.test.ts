// The Conv2DBackpropFilter kernel registered for the wasm backend must give the same
// filter gradient as tfjs-backend-cpu's reference implementation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfWasm, tf } from './tf-wasm.ts';

type Pad = 'valid' | 'same';
interface Case {
  readonly x: [number, number, number, number]; // [batch, h, w, in]
  readonly k: [number, number]; // filter height, width
  readonly out: number;
  readonly stride: number | [number, number];
  readonly pad: Pad;
}

const CASES: Case[] = [
  { x: [3, 28, 28, 1], k: [7, 7], out: 4, stride: 3, pad: 'valid' }, // the paper's first layer
  { x: [2, 28, 28, 1], k: [4, 4], out: 9, stride: 3, pad: 'valid' },
  { x: [2, 28, 28, 1], k: [4, 4], out: 16, stride: 4, pad: 'valid' }, // the shipped conv
  { x: [2, 13, 11, 2], k: [3, 3], out: 5, stride: 2, pad: 'same' },
  { x: [1, 9, 9, 3], k: [4, 2], out: 2, stride: 1, pad: 'same' },
  { x: [2, 10, 12, 2], k: [3, 5], out: 3, stride: [2, 3], pad: 'valid' },
];

/** dL/dW for L = Σ conv(x, W) · g, on whichever backend is active. */
function filterGradient(
  x: Float32Array,
  w: Float32Array,
  g: Float32Array,
  c: Case,
  shapeOut: number[],
): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const gt = tf.tensor(g, shapeOut);
    const wt = tf.tensor4d(w, [c.k[0], c.k[1], c.x[3], c.out]);
    const grad = tf.grad((filter: tf.Tensor) =>
      tf
        .conv2d(xt, filter as tf.Tensor4D, c.stride, c.pad)
        .mul(gt)
        .sum(),
    );
    return grad(wt).dataSync() as Float32Array;
  });
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
}

describe('wasm Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    await initTfWasm();
    tf.env().set('IS_TEST', true); // no "install tfjs-node" banner when the cpu backend starts
  });
  afterAll(async () => {
    await initTfWasm(); // leave the wasm backend active for other tests in this worker
  });

  it('is registered, so conv gradients w.r.t. the filter run on wasm', async () => {
    await initTfWasm();
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each(CASES)(
    'matches the cpu backend for x $x, filter $k×$out, stride $stride, $pad',
    async (c) => {
      await initTfWasm();
      const outShape = tf.tidy(
        () =>
          tf.conv2d(
            tf.zeros(c.x) as tf.Tensor4D,
            tf.zeros([...c.k, c.x[3], c.out]) as tf.Tensor4D,
            c.stride,
            c.pad,
          ).shape,
      );
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const x = seeded(size(c.x), 1);
      const w = seeded(c.k[0] * c.k[1] * c.x[3] * c.out, 2);
      const g = seeded(size(outShape), 3);
      const onWasm = filterGradient(x, w, g, c, outShape);
      await tf.setBackend('cpu');
      const onCpu = filterGradient(x, w, g, c, outShape);
      await initTfWasm();
      expect(onWasm).toHaveLength(onCpu.length);
      expect(relativeError(onWasm, onCpu)).toBeLessThan(1e-4);
      // The comparison can fail: a slightly different upstream gradient is caught.
      const perturbed = Float32Array.from(g, (v, i) => (i === 0 ? v + 0.5 : v));
      expect(relativeError(filterGradient(x, w, perturbed, c, outShape), onCpu)).toBeGreaterThan(
        1e-3,
      );
    },
  );

  it('trains a conv on wasm and frees its im2col buffers', async () => {
    await initTfWasm();
    const x = tf.tensor4d(seeded(2 * 28 * 28, 4), [2, 28, 28, 1]);
    let w = tf.tensor4d(seeded(7 * 7 * 4, 5), [7, 7, 1, 4]);
    const loss = (f: tf.Tensor) =>
      tf
        .conv2d(x, f as tf.Tensor4D, 3, 'valid')
        .square()
        .mean();
    const gradient = tf.grad(loss);
    const heapTensors = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const before = { tensors: tf.memory().numTensors, heap: heapTensors() };
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const next = tf.tidy(() => {
        losses.push(loss(w).dataSync()[0]!);
        return w.sub(gradient(w).mul(0.05)) as tf.Tensor4D;
      });
      w.dispose();
      w = next;
    }
    for (let i = 1; i < 5; i++) expect(losses[i]).toBeLessThan(losses[i - 1]!);
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(heapTensors()).toBe(before.heap); // the kernel frees its im2col buffer
    tf.dispose([x, w]);
  });
});
