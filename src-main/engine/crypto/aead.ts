// AES-256-GCM authenticated encryption with a self-describing sealed format:
//
//   [0x01 format version][12-byte random nonce][ciphertext][16-byte tag]
//
// The version byte lets a future format (say, a different cipher or nonce size) coexist with
// old data. It is also prepended to the associated data, so it is authenticated: flipping it
// can never make a v1 message parse as something else.
//
// Nonces are 96-bit random values. NIST SP 800-38D caps random-nonce GCM at 2^32 messages per
// key; callers get a separate HKDF subkey per purpose (see kdf.ts), and a desktop vault stays
// many orders of magnitude below that bound.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { toBytes } from './encoding.ts';
import { IntegrityError } from './errors.ts';

export const AEAD_FORMAT_V1 = 0x01;
export const AES_256_KEY_BYTES = 32;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;
/** Size added to the plaintext by sealAead: version byte + nonce + tag. */
export const SEAL_OVERHEAD_BYTES = 1 + GCM_NONCE_BYTES + GCM_TAG_BYTES;

function assertKey(key: Uint8Array, what = 'data'): void {
  // A wrong-length key is a programming error, not corrupt data, so it is a RangeError rather
  // than an IntegrityError. The message gives the length only, never the key.
  if (key.byteLength !== AES_256_KEY_BYTES) {
    throw new RangeError(
      `AES-256-GCM key for ${what} must be ${AES_256_KEY_BYTES} bytes, got ${key.byteLength}`,
    );
  }
}

function assertNonce(nonce: Uint8Array): void {
  // Node accepts other IV lengths for GCM, but those are GHASHed into a counter block: a
  // different, less analysed code path that we never need. Only 96-bit nonces are allowed.
  if (nonce.byteLength !== GCM_NONCE_BYTES) {
    throw new RangeError(`AES-GCM nonce must be ${GCM_NONCE_BYTES} bytes, got ${nonce.byteLength}`);
  }
}

/**
 * Raw AES-256-GCM with a caller-chosen nonce. Exists for known-answer tests and for sealAead;
 * application code must use sealAead, because reusing a nonce under one key breaks GCM entirely.
 */
export function aesGcmEncryptWithNonce(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array | string,
): { ciphertext: Uint8Array; tag: Uint8Array } {
  assertKey(key);
  assertNonce(nonce);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(toBytes(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Raw AES-256-GCM decryption; the inverse of aesGcmEncryptWithNonce. Any authentication failure
 * (wrong key, nonce, AAD, tag, or modified ciphertext) throws IntegrityError naming `what`.
 */
export function aesGcmDecryptWithNonce(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array | string,
  what: string,
): Uint8Array {
  assertKey(key, what);
  assertNonce(nonce);
  if (tag.byteLength !== GCM_TAG_BYTES) {
    throw new IntegrityError(what, 'authentication tag has the wrong length');
  }
  // authTagLength pins the tag size so a truncated tag can never be accepted.
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(toBytes(aad));
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  let tail: Buffer;
  try {
    // final() is where GCM checks the tag. Nothing decrypted is released before it passes.
    tail = decipher.final();
  } catch {
    head.fill(0); // unauthenticated plaintext: do not leave it lying around
    throw new IntegrityError(what);
  }
  // GCM is a stream mode, so final() yields no bytes and `head` is the whole plaintext: return
  // it as is. The plaintext is often a key (the master key, a CKKS secret), and any copy made
  // here would outlive the caller's fill(0); Buffer.concat would even put a small one in
  // Node's shared allocation pool.
  if (tail.byteLength === 0) return head;
  const out = Buffer.alloc(head.byteLength + tail.byteLength); // alloc: never pooled
  head.copy(out);
  tail.copy(out, head.byteLength);
  head.fill(0);
  tail.fill(0);
  return out;
}

/** The AAD actually fed to GCM: the format version byte, then the caller's AAD. */
function versionedAad(version: number, aad: Uint8Array | string): Buffer {
  return Buffer.concat([Buffer.of(version), toBytes(aad)]);
}

/**
 * Encrypt and authenticate `plaintext` under `key`, binding `aad` (which is not stored: the
 * caller must present the same AAD to open). `what` only labels errors.
 */
export function sealAead(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array | string,
  what = 'data',
): Uint8Array {
  assertKey(key, what);
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const { ciphertext, tag } = aesGcmEncryptWithNonce(
    key,
    nonce,
    plaintext,
    versionedAad(AEAD_FORMAT_V1, aad),
  );
  return Buffer.concat([Buffer.of(AEAD_FORMAT_V1), nonce, ciphertext, tag]);
}

/**
 * Verify and decrypt the output of sealAead. Throws IntegrityError naming `what` for every
 * failure the data can cause: too short, unknown version byte, or failed authentication.
 */
export function openAead(
  key: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array | string,
  what: string,
): Uint8Array {
  assertKey(key, what);
  if (sealed.byteLength < SEAL_OVERHEAD_BYTES) {
    throw new IntegrityError(what, `sealed data is too short (${sealed.byteLength} bytes)`);
  }
  const version = sealed[0];
  if (version !== AEAD_FORMAT_V1) {
    throw new IntegrityError(what, `unknown sealed-format version ${version}`);
  }
  const nonce = sealed.subarray(1, 1 + GCM_NONCE_BYTES);
  const ciphertext = sealed.subarray(1 + GCM_NONCE_BYTES, sealed.byteLength - GCM_TAG_BYTES);
  const tag = sealed.subarray(sealed.byteLength - GCM_TAG_BYTES);
  return aesGcmDecryptWithNonce(key, nonce, ciphertext, tag, versionedAad(version, aad), what);
}
