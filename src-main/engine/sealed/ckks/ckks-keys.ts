// CKKS key material as bytes. The secret key leaves this module only as bytes that
// the caller wraps under the vault's master key; the public, relinearisation and
// Galois keys form the "evaluation key set" an evaluator may be handed.
import type { Seal } from './seal-runtime.ts';
import { sealInput, toBytes } from './seal-runtime.ts';
import type { CkksContext } from './ckks-presets.ts';

export interface CkksEvaluationKeys {
  readonly presetId: string;
  readonly publicKey: Uint8Array;
  readonly relinKeys: Uint8Array;
  /** Galois keys for exactly the rotation steps listed (none → null). */
  readonly galoisKeys: Uint8Array | null;
  readonly galoisSteps: readonly number[];
}

export interface CkksKeyMaterial {
  /** Serialised secret key: wrap it before it touches disk. */
  readonly secretKey: Uint8Array;
  readonly evaluation: CkksEvaluationKeys;
}

/**
 * Generates a fresh key set. Keys are serialised with zstd; public, relin and Galois
 * keys use SEAL's seeded ("serializable") form, which stores half of each key as a
 * PRNG seed and so is about half the size.
 */
export function generateCkksKeys(
  seal: Seal,
  ckks: CkksContext,
  galoisSteps: readonly number[] = [],
): CkksKeyMaterial {
  const zstd = seal.ComprModeType.zstd;
  using keyGenerator = new seal.KeyGenerator(ckks.context);
  using secretKey = keyGenerator.secretKey();
  using publicKey = keyGenerator.createPublicKeySerializable();
  using relinKeys = keyGenerator.createRelinKeysSerializable();
  let galoisKeys: Uint8Array | null = null;
  if (galoisSteps.length > 0) {
    using galois = keyGenerator.createGaloisKeysSerializableWithSteps(Int32Array.from(galoisSteps));
    galoisKeys = toBytes(galois.saveToArray(zstd));
  }
  return {
    secretKey: toBytes(secretKey.saveToArray(zstd)),
    evaluation: {
      presetId: ckks.preset.id,
      publicKey: toBytes(publicKey.saveToArray(zstd)),
      relinKeys: toBytes(relinKeys.saveToArray(zstd)),
      galoisKeys,
      galoisSteps: [...galoisSteps],
    },
  };
}

/** Galois keys for exactly these rotation steps, made from an existing secret key. */
export function generateGaloisKeys(
  seal: Seal,
  ckks: CkksContext,
  secretKeyBytes: Uint8Array,
  steps: readonly number[],
): Uint8Array {
  using secretKey = new seal.SecretKey();
  secretKey.loadFromArray(ckks.context, sealInput(secretKeyBytes));
  using keyGenerator = new seal.KeyGenerator(ckks.context, secretKey);
  using galois = keyGenerator.createGaloisKeysSerializableWithSteps(Int32Array.from(steps));
  return toBytes(galois.saveToArray(seal.ComprModeType.zstd));
}
