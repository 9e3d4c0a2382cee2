// Public API of the SealSight vault crypto library. The app imports from here only; the
// per-file modules are implementation detail (their raw primitives exist for the KATs).
export {
  HeaderTamperedError,
  IntegrityError,
  UnsupportedVaultVersionError,
  VaultCryptoError,
  WrongPassphraseError,
} from './errors.ts';
export {
  AEAD_FORMAT_V1,
  SEAL_OVERHEAD_BYTES,
  aesGcmEncryptWithNonce,
  openAead,
  sealAead,
} from './aead.ts';
export {
  DEFAULT_SCRYPT_COST,
  SCRYPT_LIMITS,
  SUBKEY_LABELS,
  hkdfSha256,
  hkdfSubkey,
  parseKdfParams,
} from './kdf.ts';
export type { KdfCost, KdfParams } from './kdf.ts';
export { constantTimeEqual, contentMac } from './keyed-hash.ts';
export {
  VAULT_FORMAT,
  VAULT_HEADER_VERSION,
  changePassphrase,
  createVaultHeader,
  openVaultHeader,
  readVaultHeaderUnverified,
} from './vault-header.ts';
export {
  unwrapSecret,
  unwrapWithKey,
  wrapWithKey,
  wrapSecret,
  wrappingKey,
} from './secret-wrap.ts';
export type { VaultHeader, VaultHeaderOptions } from './vault-header.ts';
export { padPayload, padmeLength, unpadPayload } from './padme.ts';
