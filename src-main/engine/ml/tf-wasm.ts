// TensorFlow.js on its WebAssembly backend, offline: the .wasm binaries are read from
// the installed @tensorflow/tfjs-backend-wasm package (a filesystem path, never a URL),
// and the kernel that backend lacks for training a first-layer conv,
// Conv2DBackpropFilter, is registered here: im2col of the input on the wasm heap, then
// one transposed matmul through the backend's own BatchMatMul kernel:
//
//   dW[dy·fw·Cin + dx·Cin + ci, co] = Σ_(b, i, j) x[b, i·sh + dy − top, j·sw + dx − left, ci]
//                                                · dy[b, i, j, co]
//                                   = (patchesᵀ · dyMatrix)[(dy, dx, ci), co]
//
// (the same sum tfjs-backend-cpu's conv2DBackpropFilter loops over, in one matmul).
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerFastTransposedMatMul } from './wasm-matmul.ts';

/** The parts of tfjs-backend-wasm's BackendWasm this kernel uses. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  const dy = args.inputs.dy!;
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32')
    throw new Error('Conv2DBackpropFilter (wasm): float32 tensors only');
  if (attrs.dataFormat !== 'NHWC')
    throw new Error(`Conv2DBackpropFilter (wasm): NHWC only, got ${attrs.dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1, // gradients of dilated convs are not defined in tfjs either
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rows = batchSize * outHeight * outWidth;
  const cols = fh * fw * inChannels;

  const patches = backend.makeOutput([1, rows, cols], 'float32');
  // Heap views only after the last allocation: growing the heap detaches older views.
  const p = backend.typedArrayFromHeap(patches);
  const xv = backend.typedArrayFromHeap(x);
  let r = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++, r++) {
        let col = r * cols;
        for (let ky = 0; ky < fh; ky++) {
          const xr = i * sh + ky - top;
          for (let kx = 0; kx < fw; kx++) {
            const xc = j * sw + kx - left;
            const inside = xr >= 0 && xr < inHeight && xc >= 0 && xc < inWidth;
            const base = ((b * inHeight + xr) * inWidth + xc) * inChannels;
            for (let ci = 0; ci < inChannels; ci++, col++) p[col] = inside ? xv[base + ci]! : 0;
          }
        }
      }
    }
  }
  const matMul = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (!matMul) throw new Error('the wasm backend has no BatchMatMul kernel');
  // dy viewed as [1, rows, Cout]: the kernel reshapes its inputs itself (a shared dataId).
  const dyMatrix: tf.TensorInfo = {
    dataId: dy.dataId,
    shape: [1, rows, outChannels],
    dtype: 'float32',
  };
  const product = matMul.kernelFunc({
    inputs: { a: patches, b: dyMatrix },
    backend: args.backend as tf.KernelBackend,
    attrs: { transposeA: true, transposeB: false },
  }) as tf.TensorInfo;
  backend.disposeData(patches.dataId);
  // [1, fh·fw·Cin, Cout] is already [fh, fw, Cin, Cout] in row-major order.
  return { dataId: product.dataId, shape: [...attrs.filterShape], dtype: 'float32' };
}

/** Registers the wasm kernels tfjs lacks for training (idempotent). */
export function registerMissingWasmKernels(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) return;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
  });
}

/** Folder holding the installed tfjs-backend-wasm binaries (with a trailing separator). */
export function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@tensorflow/tfjs-backend-wasm'); // …/dist/tf-backend-wasm.node.js
  return path.dirname(main) + path.sep;
}

let ready: Promise<typeof tf> | null = null;

/**
 * Makes the wasm backend the active tfjs backend (loading its binary from disk, once)
 * with the missing training kernels registered and the transposed matMul made fast
 * (wasm-matmul.ts: every dense layer's gradient needs one). Resolves to the tfjs namespace.
 */
export function initTfWasm(): Promise<typeof tf> {
  ready ??= (async () => {
    registerMissingWasmKernels();
    setWasmPaths(wasmBinaryFolder());
    if (!(await tf.setBackend('wasm')))
      throw new Error('could not initialise the tfjs wasm backend');
    await tf.ready();
    registerFastTransposedMatMul(); // after the backend ran the kernel's setup
    return tf;
  })().catch((error: unknown) => {
    ready = null;
    throw error;
  });
  return ready.then(async (t) => {
    if (t.getBackend() !== 'wasm' && !(await t.setBackend('wasm')))
      throw new Error('could not switch tfjs back to the wasm backend');
    return t;
  });
}

export { tf };
