import { describe, expect, it } from 'vitest';
import { loadSeal } from '../../ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../../ckks/ckks-presets.ts';
import { generateCkksKeys } from '../../ckks/ckks-keys.ts';
import { CkksChunkCipher } from './chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from './chunk-packing.ts';

function chunk(seed: number): Uint8Array {
  return Uint8Array.from({ length: 784 }, (_, i) => (i * 31 + seed * 97) % 256);
}

describe('CKKS chunk cipher', () => {
  it('meets 128-bit security with the depth the chunk CNN needs', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const total = DEFAULT_CKKS_PRESET.coeffModulusBits.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(seal.CoeffModulus.MaxBitCount(8192, seal.SecLevelType.tc128));
    expect(DEFAULT_CKKS_PRESET.depth).toBe(DEFAULT_CKKS_PRESET.coeffModulusBits.length - 2);
    expect(ckks.slotCount).toBe(4096);
  });

  it('packs four chunks per ciphertext in 1024-slot blocks and round-trips within 0.01 grey levels', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const keys = generateCkksKeys(seal, ckks);
    using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
    const chunks = Array.from({ length: 9 }, (_, k) => chunk(k));
    const vectors = BLOCK_PACKING_1024.pack(chunks, 4096);
    expect(vectors).toHaveLength(3);
    expect(vectors[1]![1024 + 5]).toBeCloseTo(chunks[5]![5]! / 255, 12); // chunk 5 = ct 1, block 1
    expect(vectors[0]![784]).toBe(0); // block padding stays zero
    const ciphertexts = cipher.encryptChunks(chunks);
    expect(ciphertexts).toHaveLength(3);
    const back = cipher.decryptChunks(ciphertexts, chunks.length);
    let worst = 0;
    back.forEach((values, k) =>
      values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v * 255 - chunks[k]![i]!)))),
    );
    expect(worst).toBeLessThan(0.01);
  });

  it('refuses a secret key that is not a key for these parameters', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    expect(() => new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, new Uint8Array(100))).toThrow(
      /secret key does not match/,
    );
  });

  it('deletes every SEAL object: memory stays flat over many encryptions', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const keys = generateCkksKeys(seal, ckks);
    using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
    const chunks = Array.from({ length: 4 }, (_, k) => chunk(k));
    const round = () => cipher.decryptChunks(cipher.encryptChunks(chunks), 4);
    for (let i = 0; i < 20; i++) round(); // warm up pools and the WASM heap
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 150; i++) round();
    const grownMB = (process.memoryUsage().rss - before) / 2 ** 20;
    // Each round creates 4 ciphertexts of ~0.45 MB of WASM memory (7 primes × 8192
    // coefficients × 8 bytes × 2 polynomials, seeded): leaking them measured: ~125 MB of growth with the leak, ~30 MB without.
    // Un-collected JS garbage (decoded vectors, serialised bytes) accounts for tens of MB.
    expect(grownMB).toBeLessThan(70);
  });
});
