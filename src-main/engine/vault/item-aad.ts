// Associated data bound into every encrypted item of a vault. Binding the vault id,
// the image id and the item's role means a ciphertext copied to another image, to
// another slot of the same image or into another vault fails authentication.
export type ImagePart =
  | 'original'
  | 'meta'
  | 'rest'
  | 'review'
  | `chunk:${number}`
  | `ckks:${number}`
  | `classification:${string}`;

export function imagePartAad(vaultId: string, imageUid: string, part: ImagePart): string {
  return `sealsight/v1|vault=${vaultId}|image=${imageUid}|${part}`;
}

/** Binds the key-set id too: a wrapped key copied into another key-set row does not open. */
export function ckksSecretKeyAad(vaultId: string, presetId: string, keysetId: number): string {
  return `sealsight/v2|vault=${vaultId}|ckks-secret-key|preset=${presetId}|keyset=${keysetId}`;
}

/** The wrap's associated data before key-set ids were bound (schema v5 and older). */
export function legacyCkksSecretKeyAad(vaultId: string, presetId: string): string {
  return `sealsight/v1|vault=${vaultId}|ckks-secret-key|preset=${presetId}`;
}

/** Items of a lane batch (the throughput layout): its pixel ciphertexts and lane map. */
export type LaneBatchPart = `pixel:${number}` | 'lane-map';

export function laneBatchAad(vaultId: string, batchUid: string, part: LaneBatchPart): string {
  return `sealsight/v1|vault=${vaultId}|lane-batch=${batchUid}|${part}`;
}

/** A wrapped obfuscation key: bound to its vault and its id (obf-key.ts). */
export function obfKeyAad(vaultId: string, keyId: number): string {
  return `sealsight/v1|vault=${vaultId}|obf-key=${keyId}`;
}

/** An obfuscated-tier model trained on the vault (obf-vault-models.ts): bound to its id. */
export function obfModelAad(vaultId: string, modelId: string): string {
  return `sealsight/v1|vault=${vaultId}|obf-model=${modelId}`;
}

/**
 * A stored vault setting (vault-settings.ts): its value is bound to its name, and its secret
 * to the digest of the sealed value it was written with, so neither moves to another setting
 * and an older secret cannot be put back under a newer value.
 */
export function vaultSettingAad(
  vaultId: string,
  name: string,
  part: 'value' | `secret:${string}`,
): string {
  return `sealsight/v1|vault=${vaultId}|setting=${name}|${part}`;
}
