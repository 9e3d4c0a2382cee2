// Key derivation: passphrase -> key-encryption key (scrypt), and master key -> purpose-specific
// subkeys (HKDF-SHA256).
//
// Why scrypt: it is memory-hard (it resists GPU/ASIC guessing far better than PBKDF2) and it
// ships in node:crypto, so the vault needs no native dependency for its most sensitive step.
import { hkdfSync, randomBytes, scrypt } from 'node:crypto';
import { decodeBase64Strict, quoteUntrusted, toBase64 } from './encoding.ts';

/** KDF parameters as stored in the vault header. `salt` is base64. */
export interface KdfParams {
  alg: 'scrypt';
  /** log2 of the scrypt cost N. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
  salt: string;
}

export type KdfCost = Pick<KdfParams, 'logN' | 'r' | 'p'>;

/**
 * Defaults: N = 2^17, r = 8, p = 1. Memory is 128 * r * N = 128 * 8 * 2^17 bytes = 128 MiB,
 * and one derivation takes a few hundred ms on a laptop: invisible at unlock, ruinous for an
 * attacker guessing passphrases.
 */
export const DEFAULT_SCRYPT_COST: Readonly<KdfCost> = Object.freeze({ logN: 17, r: 8, p: 1 });

/**
 * What we accept when READING params. The header is read, and these are checked, before anything
 * authenticates it, so a tampered file must not be able to make the KDF trivially weak (logN, r
 * too small) nor make unlocking exhaust memory or CPU (logN, r, p too large).
 *
 * - logN min 14: the RFC 7914 interactive-login figure.
 * - Memory cap 1 GiB (8x the 128 MiB default): room for a user who deliberately raises the cost,
 *   yet a hostile header cannot make a laptop allocate several GiB before the passphrase is
 *   even checked. logN max 20 is exactly that cap at r 8.
 * - p max 4: p multiplies the CPU time (scrypt runs p instances one after another in node),
 *   so with the memory cap it bounds a hostile header to a few seconds of work.
 */
export const SCRYPT_LIMITS = Object.freeze({
  logN: { min: 14, max: 20 },
  r: { min: 8, max: 32 },
  p: { min: 1, max: 4 },
  /** Cap on 128 * r * N; exactly logN 20 at r 8. */
  maxMemoryBytes: 1024 ** 3,
  salt: { minBytes: 16, maxBytes: 64 },
});

export const KEK_BYTES = 32;
export const MASTER_KEY_BYTES = 32;
const SALT_BYTES = 16;

/** Domain-separation labels for hkdfSubkey. One label, one purpose: never reuse a subkey. */
export const SUBKEY_LABELS = Object.freeze({
  /** AES-GCM key for image blobs and their chunks. */
  blob: 'sealsight/v1/blob',
  /** HMAC key authenticating the vault header. */
  headerMac: 'sealsight/v1/header-mac',
  /** HMAC key for the content MAC used to dedupe imports (keyed-hash.ts). */
  dedupe: 'sealsight/v1/dedupe',
  /** AES-GCM key wrapping the CKKS secret key. */
  ckksSecret: 'sealsight/v1/ckks-secret',
  /** HMAC key authenticating stored CKKS ciphertexts (CKKS itself is malleable). */
  ckksMac: 'sealsight/v1/ckks-mac',
  /** AES-GCM key wrapping the vault's obfuscation (Arnold + XOR) keys. */
  obfKey: 'sealsight/v1/obf-key',
});

function checkIntegerInRange(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    // Numbers in KDF params are not secret, so quoting them makes the message actionable.
    const shown = typeof value === 'number' ? String(value) : typeof value;
    throw new RangeError(`scrypt ${name} must be an integer in ${min}..${max} (got ${shown})`);
  }
  return value;
}

/** Whole GiB when it is one, else MiB: memory figures in KDF errors read like the limits. */
function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return Number.isInteger(gib) ? `${gib} GiB` : `${bytes / 1024 ** 2} MiB`;
}

/** Validate cost parameters (no salt): used both for header input and for caller overrides. */
export function validateKdfCost(cost: KdfCost): KdfCost {
  const logN = checkIntegerInRange(
    'logN',
    cost.logN,
    SCRYPT_LIMITS.logN.min,
    SCRYPT_LIMITS.logN.max,
  );
  const r = checkIntegerInRange('r', cost.r, SCRYPT_LIMITS.r.min, SCRYPT_LIMITS.r.max);
  const p = checkIntegerInRange('p', cost.p, SCRYPT_LIMITS.p.min, SCRYPT_LIMITS.p.max);
  const memory = scryptMemoryBytes({ logN, r });
  if (memory > SCRYPT_LIMITS.maxMemoryBytes) {
    throw new RangeError(
      `scrypt memory (128·r·2^logN) ${formatBytes(memory)} is above the ` +
        `${formatBytes(SCRYPT_LIMITS.maxMemoryBytes)} limit (logN ${logN}, r ${r})`,
    );
  }
  return { logN, r, p };
}

/**
 * Parse and validate KDF params read from untrusted input (the vault header). Throws TypeError
 * or RangeError with a message naming the offending field. Unknown fields are refused so that
 * nothing unauthenticated can ride along.
 */
export function parseKdfParams(raw: unknown): KdfParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError('kdf params must be an object');
  }
  const allowed = new Set(['alg', 'logN', 'r', 'p', 'salt']);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) {
      throw new TypeError(`kdf params have an unknown field ${quoteUntrusted(key)}`);
    }
  }
  const record = raw as Record<string, unknown>;
  if (record.alg !== 'scrypt') {
    throw new TypeError('kdf alg must be "scrypt"');
  }
  const cost = validateKdfCost({
    logN: record.logN as number,
    r: record.r as number,
    p: record.p as number,
  });
  if (typeof record.salt !== 'string') throw new TypeError('kdf salt must be a base64 string');
  const salt = decodeBase64Strict(record.salt, 'kdf salt');
  const { minBytes, maxBytes } = SCRYPT_LIMITS.salt;
  if (salt.byteLength < minBytes || salt.byteLength > maxBytes) {
    throw new RangeError(
      `kdf salt must be ${minBytes}..${maxBytes} bytes (got ${salt.byteLength})`,
    );
  }
  return { alg: 'scrypt', ...cost, salt: record.salt };
}

/**
 * Fresh params for a new header: `base` cost (the defaults) unless overridden, and always a new
 * random salt. Only logN, r and p are read from `overrides`; anything else (a salt, say) is
 * ignored, so a caller can never make two headers share a salt. Undefined entries fall back to
 * `base` rather than erasing it.
 */
export function newKdfParams(
  overrides: Partial<KdfCost> = {},
  base: KdfCost = DEFAULT_SCRYPT_COST,
): KdfParams {
  const cost = validateKdfCost({
    logN: overrides.logN ?? base.logN,
    r: overrides.r ?? base.r,
    p: overrides.p ?? base.p,
  });
  return { alg: 'scrypt', ...cost, salt: toBase64(randomBytes(SALT_BYTES)) };
}

/** scrypt's dominant memory use, 128 * r * N bytes (RFC 7914 section 6). */
export function scryptMemoryBytes(cost: Pick<KdfCost, 'logN' | 'r'>): number {
  return 128 * cost.r * 2 ** cost.logN;
}

/**
 * node:crypto refuses to run scrypt above `maxmem` (default 32 MiB, less than our default
 * needs). OpenSSL's exact check is 128*r*(N+2) + 128*r*p <= maxmem, so we pass precisely that:
 * enough for the params we validated, and not a byte of headroom for anything else.
 */
function scryptMaxmem(N: number, r: number, p: number): number {
  return 128 * r * (N + 2) + 128 * r * p;
}

/** Raw async scrypt, exported for the RFC 7914 known-answer test. */
export function scryptRaw(
  password: Uint8Array,
  salt: Uint8Array,
  N: number,
  r: number,
  p: number,
  keyLength: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Async on purpose: it runs on the libuv threadpool, so a 128 MiB derivation does not
    // freeze the main process (and its UI) for hundreds of milliseconds.
    scrypt(password, salt, keyLength, { N, r, p, maxmem: scryptMaxmem(N, r, p) }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/**
 * Passphrase -> 32-byte key-encryption key. `params` is validated again here so that no caller
 * can skip the bounds check.
 *
 * The passphrase is NFC-normalised first: the same passphrase typed on macOS and Windows (or
 * pasted from different apps) can arrive in different Unicode normal forms, and must still
 * unlock the vault.
 */
export async function deriveKek(passphrase: string, params: KdfParams): Promise<Buffer> {
  const checked = parseKdfParams(params);
  const salt = decodeBase64Strict(checked.salt, 'kdf salt');
  const password = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  try {
    return await scryptRaw(password, salt, 2 ** checked.logN, checked.r, checked.p, KEK_BYTES);
  } finally {
    // Best effort only: JS strings (the passphrase itself) are immutable and cannot be wiped,
    // and the GC may have copied buffers. We clear the copies we own because it is cheap.
    password.fill(0);
  }
}

/** Raw HKDF-SHA256 (RFC 5869), exported for the known-answer test. */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/**
 * Derive a subkey for one purpose from the master key. The label is the HKDF `info`, so keys for
 * different purposes are independent even though they share a root: compromising the dedupe key
 * reveals nothing about the blob key. The salt is empty because the master key is already
 * uniformly random (RFC 5869 section 3.1).
 */
export function hkdfSubkey(masterKey: Uint8Array, label: string, length = 32): Buffer {
  if (masterKey.byteLength !== MASTER_KEY_BYTES) {
    throw new RangeError(
      `master key must be ${MASTER_KEY_BYTES} bytes, got ${masterKey.byteLength}`,
    );
  }
  if (label.length === 0) throw new RangeError('hkdfSubkey label must not be empty');
  return hkdfSha256(masterKey, new Uint8Array(0), Buffer.from(label, 'utf8'), length);
}
