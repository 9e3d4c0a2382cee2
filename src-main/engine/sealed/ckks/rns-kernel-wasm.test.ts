// The shipped kernel bytes (rns-kernel-wasm.ts) are exactly what rns-kernel.wat assembles
// to, so nobody can edit one without the other (`npm run build:wasm` regenerates them).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  assembleKernel,
  KERNEL_MODULE,
  renderKernelModule,
} from '../../../../scripts/wasm-module.ts';

describe('RNS kernel bytes', () => {
  it('are the assembled rns-kernel.wat', async () => {
    const committed = await readFile(KERNEL_MODULE, 'utf8');
    expect(committed).toBe(renderKernelModule(await assembleKernel()));
  });
});
