// The vault's obfuscation keys. The obfuscated tier is only as private as its key (anyone
// with it undoes Arnold + XOR), so each vault makes its own, at random, the first time it
// trains an obfuscated-tier model, and stores it only wrapped under the vault's obf-key
// subkey with the vault id and key id as associated data. Model files name the key
// (vault id + key id) and never hold it; the key is unwrapped in the key holder's memory
// when a model is trained, indexes or searches, and wiped after.
import { randomBytes } from 'node:crypto';
import { OBFUSCATION_KEY_BYTES } from '../../obfuscated/arnold-xor.ts';
import type { LoadedObfModel } from '../../obfuscated/obf-model-file.ts';
import { obfKeyAad } from '../item-aad.ts';
import type { UnlockedVault } from '../vault.ts';

export interface VaultObfKey {
  readonly keyId: number;
  /** Zero it after use. */
  readonly key: Uint8Array;
}

/** Unwraps one of the vault's obfuscation keys; throws naming the key if it is missing or altered. */
export function obfKeyById(vault: UnlockedVault, keyId: number): Uint8Array {
  const wrapped = vault.catalogue.read.obfKeys.wrapped(keyId);
  if (!wrapped) throw new Error(`obfuscation key ${keyId} is not in this vault`);
  const key = vault.unwrapObfuscationKey(
    wrapped,
    obfKeyAad(vault.vaultId, keyId),
    `obfuscation key ${keyId}`,
  );
  if (key.byteLength !== OBFUSCATION_KEY_BYTES)
    throw new Error(
      `obfuscation key ${keyId}: ${key.byteLength} bytes, expected ${OBFUSCATION_KEY_BYTES}`,
    );
  return key;
}

/** The vault's newest obfuscation key, made (and stored wrapped) if the vault has none yet. */
export function currentObfKey(vault: UnlockedVault): VaultObfKey {
  const keyId = vault.catalogue.write((tx) => {
    const newest = tx.obfKeys.newestId();
    if (newest !== null) return newest;
    const id = 1;
    const key = randomBytes(OBFUSCATION_KEY_BYTES);
    try {
      tx.obfKeys.insert(id, vault.wrapObfuscationKey(key, obfKeyAad(vault.vaultId, id)));
    } finally {
      key.fill(0);
    }
    return id;
  });
  return { keyId, key: obfKeyById(vault, keyId) };
}

/**
 * The key a model obfuscates under, in this vault: a demo model's own key, or — for a model
 * trained on a vault — that vault's wrapped key (refused, by name, for another vault's model).
 */
export function obfKeyFor(vault: UnlockedVault, model: LoadedObfModel, source: string): Uint8Array {
  const ks = model.keySource;
  if (ks.kind === 'embedded') return Uint8Array.from(ks.key);
  if (ks.vaultId !== vault.vaultId)
    throw new Error(
      `${source}: trained under the obfuscation key of vault ${ks.vaultId}, not of this vault`,
    );
  return obfKeyById(vault, ks.keyId);
}
