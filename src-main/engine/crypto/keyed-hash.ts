// Keyed hashing (HMAC-SHA256) and constant-time comparison.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CONTENT_MAC_BYTES = 32;
const DEDUPE_KEY_BYTES = 32;

/** Raw HMAC-SHA256, exported for the RFC 4231 known-answer test. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Fingerprint of an imported file, used to spot duplicates.
 *
 * Why keyed: a plain SHA-256 stored in the vault index would let anyone holding the (encrypted)
 * vault confirm that a specific known file is inside it, just by hashing their copy. With an
 * HMAC under a vault-secret key (hkdfSubkey(masterKey, SUBKEY_LABELS.dedupe)) the fingerprint
 * means nothing without the key.
 */
export function contentMac(dedupeKey: Uint8Array, bytes: Uint8Array): Buffer {
  if (dedupeKey.byteLength !== DEDUPE_KEY_BYTES) {
    throw new RangeError(
      `dedupe key must be ${DEDUPE_KEY_BYTES} bytes, got ${dedupeKey.byteLength}`,
    );
  }
  return hmacSha256(dedupeKey, bytes);
}

/**
 * Compare two secrets-derived values (MACs, tags) without leaking, through timing, how many
 * leading bytes matched. Different lengths return false at once: lengths are not secret.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
