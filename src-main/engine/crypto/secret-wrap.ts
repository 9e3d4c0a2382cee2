// Wrapping long-lived secrets (the CKKS secret key) for storage, under a subkey of the
// master key meant for that purpose only. Split from the header code: the header wraps the
// master key; this wraps everything else with keys derived from it.
import { openAead, sealAead } from './aead.ts';
import { quoteUntrusted } from './encoding.ts';
import { SUBKEY_LABELS, hkdfSubkey } from './kdf.ts';

/**
 * The only subkey labels wrapSecret/unwrapSecret accept. An allow-list, not a deny-list: every
 * other label (HMAC keys, the blob key, and any label added later) serves another purpose, and
 * wrapping a secret under it would reuse that key. A new wrapping purpose must be added here.
 */
const WRAPPING_LABELS: ReadonlySet<string> = new Set([
  SUBKEY_LABELS.ckksSecret,
  SUBKEY_LABELS.obfKey,
]);

function assertWrappingLabel(label: string): void {
  if (!WRAPPING_LABELS.has(label)) {
    throw new RangeError(`subkey label ${quoteUntrusted(label)} is not a secret-wrapping label`);
  }
}

/**
 * Encrypt another long-lived secret (e.g. the CKKS secret key) for storage, under
 * hkdfSubkey(masterKey, label). `aad` should name what the secret is and where it belongs, so a
 * wrapped secret cannot be swapped for another one of the same kind.
 */
export function wrapSecret(
  masterKey: Uint8Array,
  label: string,
  secret: Uint8Array,
  aad: Uint8Array | string,
): Uint8Array {
  assertWrappingLabel(label);
  const key = hkdfSubkey(masterKey, label);
  try {
    return sealAead(key, secret, aad, `wrapped secret "${label}"`);
  } finally {
    key.fill(0);
  }
}

/** Inverse of wrapSecret. Throws IntegrityError (naming `what`) if anything does not match. */
export function unwrapSecret(
  masterKey: Uint8Array,
  label: string,
  sealed: Uint8Array,
  aad: Uint8Array | string,
  what = `wrapped secret "${label}"`,
): Uint8Array {
  assertWrappingLabel(label);
  const key = hkdfSubkey(masterKey, label);
  try {
    return openAead(key, sealed, aad, what);
  } finally {
    key.fill(0);
  }
}

/**
 * The wrapping subkey for one label, for a holder that keeps only it (an unlocked vault
 * drops its master key and keeps this). Refuses a label that is not for wrapping secrets.
 */
export function wrappingKey(masterKey: Uint8Array, label: string): Uint8Array {
  assertWrappingLabel(label);
  return hkdfSubkey(masterKey, label);
}

/** unwrapSecret with the label's wrapping subkey (from wrappingKey) instead of the master key. */
export function unwrapWithKey(
  wrapKey: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array | string,
  what: string,
): Uint8Array {
  return openAead(wrapKey, sealed, aad, what);
}

/** wrapSecret with the label's wrapping subkey (from wrappingKey) instead of the master key. */
export function wrapWithKey(
  wrapKey: Uint8Array,
  secret: Uint8Array,
  aad: Uint8Array | string,
  what: string,
): Uint8Array {
  return sealAead(wrapKey, secret, aad, what);
}
