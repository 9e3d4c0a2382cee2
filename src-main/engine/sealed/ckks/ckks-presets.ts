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
 * N = 8192, and this chain uses all of them: five 28-bit primes for the five
 * rescales of conv → x² → FC → x² → FC (depth 5: one per layer, the rescale after
 * each sum), a 39-bit first prime that leaves 39 − 28 = 11 bits of headroom for
 * the result (|value| < 1024 in every slot), and a 39-bit special prime (key
 * switching is only as precise as the special prime is large next to the data
 * primes). Why 28-bit and not 26-bit primes: measured, one rotation at scale 2^26
 * adds errors up to 5e-3 per slot, which ~60 rotations and a 16-chunk sum turn into
 * more than the 1e-2 fidelity bound; each extra bit of scale halves that.
 */
export const CKKS_N8192_DEPTH5: CkksPreset = Object.freeze({
  id: 'ckks-n8192-d5-s28',
  polyModulusDegree: 8192,
  coeffModulusBits: Object.freeze([39, 28, 28, 28, 28, 28, 39]),
  scaleBits: 28,
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
  /** The coefficient-modulus primes SEAL chose, in chain order (a level's are a prefix). */
  readonly primes: readonly bigint[];
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
    const primes = Array.from({ length: coeffModulus.size() }, (_, i) => {
      using prime = coeffModulus.get(i);
      return prime!.value();
    });
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
      primes: Object.freeze(primes),
      [Symbol.dispose]() {
        if (!context.isDeleted()) context.delete();
      },
    };
  } finally {
    parms.delete();
  }
}
