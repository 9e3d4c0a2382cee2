// CKKS parameter presets. A preset fixes everything a ciphertext depends on, so it
// is stored with every vault and every ciphertext set; changing one is a migration.
import type { Seal } from './seal-runtime.ts';
import type { EncryptionParameters, SEALContext } from 'node-seal/throws';

export interface CkksPreset {
  readonly id: string;
  readonly polyModulusDegree: number;
  /** Bit sizes of the coefficient-modulus primes; the last one is the special (key-switching) prime. */
  readonly coeffModulusBits: readonly number[];
  /** log2 of the encoding scale; equal to the middle primes so each rescale restores it. */
  readonly scaleBits: number;
  /** Multiplicative depth available: number of rescales before only the first prime is left. */
  readonly depth: number;
}

/**
 * N = 8192 gives 4096 slots. SEAL's 128-bit table allows 218 bits of modulus at
 * N = 8192; this chain uses 210: a 40-bit first prime (the result keeps 40−26 = 14
 * bits of integer headroom, |score| < 8192), five 26-bit primes for the five
 * rescales of conv → x² → FC → x² → FC, and a 40-bit special prime.
 */
export const CKKS_N8192_DEPTH5: CkksPreset = Object.freeze({
  id: 'ckks-n8192-d5-s26',
  polyModulusDegree: 8192,
  coeffModulusBits: Object.freeze([40, 26, 26, 26, 26, 26, 40]),
  scaleBits: 26,
  depth: 5,
});

export const CKKS_PRESETS: Readonly<Record<string, CkksPreset>> = Object.freeze({
  [CKKS_N8192_DEPTH5.id]: CKKS_N8192_DEPTH5,
});

export const DEFAULT_CKKS_PRESET = CKKS_N8192_DEPTH5;

export function ckksPresetById(id: string): CkksPreset {
  const preset = CKKS_PRESETS[id];
  if (!preset) throw new Error(`unknown CKKS preset "${id}"`);
  return preset;
}

export interface CkksContext extends Disposable {
  readonly preset: CkksPreset;
  readonly context: SEALContext;
  readonly scale: number;
  readonly slotCount: number;
}

/**
 * Builds a SEAL context for a preset and checks SEAL agrees it meets 128-bit
 * security (SEALContext refuses parameters above its table when asked for tc128).
 */
export function createCkksContext(seal: Seal, preset: CkksPreset): CkksContext {
  const parms: EncryptionParameters = new seal.EncryptionParameters(seal.SchemeType.ckks);
  try {
    parms.setPolyModulusDegree(preset.polyModulusDegree);
    using coeffModulus = seal.CoeffModulus.Create(
      preset.polyModulusDegree,
      Int32Array.from(preset.coeffModulusBits),
    );
    parms.setCoeffModulus(coeffModulus);
    const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
    if (!context.parametersSet()) {
      context.delete();
      throw new Error(`CKKS preset ${preset.id} is not valid at 128-bit security`);
    }
    return {
      preset,
      context,
      scale: 2 ** preset.scaleBits,
      slotCount: preset.polyModulusDegree / 2,
      [Symbol.dispose]() {
        if (!context.isDeleted()) context.delete();
      },
    };
  } finally {
    parms.delete();
  }
}
