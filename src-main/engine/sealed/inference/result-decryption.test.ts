// Decrypted results leave the key holder rounded to DECRYPTED_STEP (a real CKKS round
// trip): every released value is on the grid, close to what was encrypted, and not the
// raw noisy decryption (which carries the noise's low bits).
import { describe, expect, it } from 'vitest';
import { loadSeal, sealInput } from '../ckks/seal-runtime.ts';
import type { Seal } from '../ckks/seal-runtime.ts';
import { createCkksContext, DEFAULT_CKKS_PRESET } from '../ckks/ckks-presets.ts';
import type { CkksContext } from '../ckks/ckks-presets.ts';
import { generateCkksKeys } from '../ckks/ckks-keys.ts';
import { CkksChunkCipher } from '../layouts/blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../layouts/blocks/chunk-packing.ts';
import { planPackedCnn } from '../layouts/blocks/packed-cnn-plan.ts';
import {
  DECRYPTED_STEP,
  decryptLaneParts,
  decryptScores,
  decryptSlots,
  roundDecrypted,
} from './result-decryption.ts';
import { PAPER_ARCHITECTURE, randomChunkCnn } from '../model/chunk-cnn.ts';
import { mulberry32 } from '../../ml/random.ts';

const onGrid = (v: number) => Math.abs(v / DECRYPTED_STEP - Math.round(v / DECRYPTED_STEP)) < 1e-6;

/** What a decryption gives before rounding (the test's own decryptor). */
function rawDecrypt(seal: Seal, ckks: CkksContext, secretKey: Uint8Array, bytes: Uint8Array) {
  using key = new seal.SecretKey();
  key.loadFromArray(ckks.context, sealInput(secretKey));
  using decryptor = new seal.Decryptor(ckks.context, key);
  using encoder = new seal.CKKSEncoder(ckks.context);
  using ciphertext = new seal.Ciphertext();
  ciphertext.loadFromArray(ckks.context, sealInput(bytes));
  using plaintext = new seal.Plaintext();
  decryptor.decrypt(ciphertext, plaintext);
  return Float64Array.from(encoder.decodeFloat64(plaintext) as ArrayLike<number>);
}

describe('result decryption rounds at the boundary', () => {
  it('releases slots, scores and lane sums on the 1e-4 grid, not the raw noisy values', async () => {
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
    const keys = generateCkksKeys(seal, ckks);
    using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
    const random = mulberry32(3);
    const values = () => Float64Array.from({ length: ckks.slotCount }, () => 4 * random() - 2);
    const a = values();
    const b = values();
    const [bytesA, bytesB] = [cipher.encryptVector(a), cipher.encryptVector(b)];
    const rawA = rawDecrypt(seal, ckks, keys.secretKey, bytesA);
    const rawB = rawDecrypt(seal, ckks, keys.secretKey, bytesB);
    // The raw decryption is noisy: off the grid almost everywhere.
    expect(rawA.filter(onGrid).length).toBeLessThan(ckks.slotCount / 100);

    const slots = decryptSlots(seal, ckks, keys.secretKey, bytesA);
    expect(slots.every(onGrid)).toBe(true);
    slots.forEach((v, i) => expect(Math.abs(v - a[i]!)).toBeLessThan(1e-3));
    expect(slots).toEqual(roundDecrypted(Float64Array.from(rawA)));
    expect(slots.filter((v, i) => v !== rawA[i]).length).toBeGreaterThan(ckks.slotCount * 0.99);

    // Scores: the plan's scale divided out first, then rounded.
    const plan = planPackedCnn(randomChunkCnn(PAPER_ARCHITECTURE, 1), ckks.slotCount, {
      scoreScale: 0.712,
    });
    const scores = decryptScores(seal, ckks, plan, keys.secretKey, bytesA, 1);
    expect(scores).toHaveLength(plan.fc2.outPositions.length);
    plan.fc2.outPositions.forEach((position, c) => {
      const slot = plan.blockSlots + position;
      expect(onGrid(scores[c]!)).toBe(true);
      expect(Math.abs(scores[c]! - rawA[slot]! / 0.712)).toBeLessThanOrEqual(DECRYPTED_STEP / 2);
      expect(Math.abs(scores[c]! - a[slot]! / 0.712)).toBeLessThan(2e-3);
    });

    // Lane parts: added at full precision, rounded once (in score units with a scale).
    const [summed] = decryptLaneParts(seal, ckks, keys.secretKey, [[bytesA], [bytesB]]);
    summed!.forEach((v, lane) => {
      expect(onGrid(v)).toBe(true);
      expect(v).toBe(roundDecrypted(Float64Array.of(rawA[lane]! + rawB[lane]!))[0]);
    });
    const [scaled] = decryptLaneParts(seal, ckks, keys.secretKey, [[bytesA], [bytesB]], 0.5);
    scaled!.forEach((v, lane) => {
      expect(onGrid(v / 0.5)).toBe(true);
      expect(Math.abs(v - (rawA[lane]! + rawB[lane]!))).toBeLessThanOrEqual(0.5 * DECRYPTED_STEP);
    });
    keys.secretKey.fill(0);
  });
});
