// npm run build:wasm — assembles src-main/engine/sealed/ckks/rns-kernel.wat into the committed
// src-main/engine/sealed/ckks/rns-kernel-wasm.ts. Run it after editing the .wat: until then
// rns-kernel-wasm.test.ts fails, so the shipped bytes cannot drift from their source.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assembleKernel, KERNEL_MODULE, renderKernelModule } from './wasm-module.ts';

const wasm = await assembleKernel();
await writeFile(KERNEL_MODULE, renderKernelModule(wasm));
console.log(`${path.relative(process.cwd(), KERNEL_MODULE)}: ${wasm.length} bytes of WebAssembly`);
