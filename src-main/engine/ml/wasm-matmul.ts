// The tfjs wasm backend's BatchMatMul is fast without transposes but 10–30× slower with
// transposeA or transposeB (measured: 784×128·128×512 in 5 ms plain, 100 ms as aᵀ·b),
// and every dense layer's gradient asks for exactly those (dW = xᵀ·dy, dx = dy·Wᵀ).
// This wraps the registered kernel: transposed operands are transposed explicitly with
// the backend's Transpose kernel, then the fast untransposed path runs. Same sums, same
// order per output element as the backend's own untransposed kernel.
import * as tf from '@tensorflow/tfjs';

let wrapped = false;

export function registerFastTransposedMatMul(): void {
  if (wrapped) return;
  const original = tf.getKernel(tf.BatchMatMul, 'wasm');
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (!original || !transpose) throw new Error('the wasm backend lacks BatchMatMul or Transpose');
  const { kernelFunc, setupFunc } = original;
  const swapLast = (info: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    const rank = info.shape.length;
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    return transpose.kernelFunc({
      inputs: { x: info },
      backend: backend as tf.KernelBackend,
      attrs: { perm },
    }) as tf.TensorInfo;
  };
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    ...(setupFunc ? { setupFunc } : {}),
    kernelFunc: (args) => {
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return kernelFunc(args);
      const backend = args.backend as { disposeData(id: tf.DataId): void };
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const ta = attrs.transposeA ? swapLast(a, backend) : a;
      const tb = attrs.transposeB ? swapLast(b, backend) : b;
      const out = kernelFunc({
        ...args,
        inputs: { ...args.inputs, a: ta, b: tb },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
      if (ta !== a) backend.disposeData(ta.dataId);
      if (tb !== b) backend.disposeData(tb.dataId);
      return out;
    },
  });
  wrapped = true;
}
