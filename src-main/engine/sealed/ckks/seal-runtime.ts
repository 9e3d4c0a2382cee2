// One node-seal (Microsoft SEAL 4.1 compiled to WASM) runtime per thread.
// node-seal v7 exposes the raw Emscripten bindings: every object it hands out owns
// WASM memory and has no finaliser, so every object we create must be deleted
// (we use `using` declarations, which call [Symbol.dispose] → delete()).
import SEAL from 'node-seal/throws';
import type { MainModule } from 'node-seal/throws';

export type Seal = MainModule;

let runtime: Promise<Seal> | undefined;

/** Loads the SEAL WASM module once per thread (worker threads each get their own). */
export function loadSeal(): Promise<Seal> {
  runtime ??= SEAL();
  return runtime;
}

/** Copies bytes out of a node-seal save (it returns a view-like array) into a Uint8Array. */
export function toBytes(saved: unknown): Uint8Array {
  if (saved instanceof Uint8Array) return new Uint8Array(saved);
  if (Array.isArray(saved)) return Uint8Array.from(saved as number[]);
  throw new TypeError('node-seal returned an unexpected serialisation type');
}

/**
 * node-seal's loaders accept only a plain Uint8Array (not a Node Buffer, which
 * SQLite and node:crypto hand out): give them a plain view of the same bytes.
 */
export function sealInput(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
