// The vault header: a small JSON document holding everything needed to turn a passphrase into
// the vault's master key, and nothing else secret.
//
//   { "format": "sealsight-vault", "version": 1, "vaultId": <32 hex>, "createdAt": <ISO-8601>,
//     "kdf": { "alg": "scrypt", "logN", "r", "p", "salt": <base64> },
//     "wrappedMasterKey": <base64 sealAead output>, "mac": <base64 HMAC-SHA256> }
//
// Layering (the same idea as Cryptomator's masterkey file):
//   passphrase --scrypt(kdf)--> KEK --AES-GCM unwrap--> master key --HKDF--> per-purpose subkeys
// The random master key never changes, so changing the passphrase only rewrites this header.
//
// Two independent protections cover the header:
//   1. The master-key wrap's AAD binds format, version, vaultId and KDF params, so editing any of
//      them (a downgrade, weaker params) makes the unwrap fail.
//   2. `mac` is an HMAC over every other field under a key derived from the master key, so any
//      edit at all, including to fields the wrap does not bind (createdAt), is detected.
// The header is written as compact JSON with a fixed field set, so every character of it is
// significant: there is no whitespace or unknown field that could be edited undetected.
import { randomBytes } from 'node:crypto';
import { SEAL_OVERHEAD_BYTES, openAead, sealAead } from './aead.ts';
import { decodeBase64Strict, quoteUntrusted, toBase64 } from './encoding.ts';
import {
  HeaderTamperedError,
  IntegrityError,
  UnsupportedVaultVersionError,
  WrongPassphraseError,
} from './errors.ts';
import {
  MASTER_KEY_BYTES,
  SUBKEY_LABELS,
  deriveKek,
  hkdfSubkey,
  newKdfParams,
  parseKdfParams,
} from './kdf.ts';
import type { KdfCost, KdfParams } from './kdf.ts';
import { constantTimeEqual, hmacSha256 } from './keyed-hash.ts';

export const VAULT_FORMAT = 'sealsight-vault';
export const VAULT_HEADER_VERSION = 1;

export interface VaultHeader {
  format: typeof VAULT_FORMAT;
  version: number;
  /** Random identifier; not secret, lets the app tell vaults apart. */
  vaultId: string;
  createdAt: string;
  kdf: KdfParams;
  wrappedMasterKey: string;
  mac: string;
}

export interface VaultHeaderOptions {
  /** Override the scrypt cost (tests use logN 14). The salt is always fresh and random. */
  kdf?: Partial<KdfCost>;
}

type UnsignedHeader = Omit<VaultHeader, 'mac'>;
type UnwrappedHeader = Omit<VaultHeader, 'wrappedMasterKey' | 'mac'>;

const HEADER_FIELDS = [
  'format',
  'version',
  'vaultId',
  'createdAt',
  'kdf',
  'wrappedMasterKey',
  'mac',
] as const;
const VAULT_ID_PATTERN = /^[0-9a-f]{32}$/;
const CREATED_AT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const WRAPPED_MASTER_KEY_BYTES = MASTER_KEY_BYTES + SEAL_OVERHEAD_BYTES;
const HEADER_MAC_BYTES = 32;

// Both serialisations below are JSON arrays in a fixed order, starting with a purpose tag.
// JSON quotes and escapes strings, so two different field tuples can never serialise to the
// same bytes, the result does not depend on the key order in the file, and the rule is easy to
// reimplement in any language (e.g. a recovery tool).

/** AAD for the master-key wrap: everything that determines how the KEK is made, plus identity. */
function masterKeyWrapAad(h: UnwrappedHeader): string {
  return JSON.stringify([
    'sealsight-vault/master-key-wrap',
    h.format,
    h.version,
    h.vaultId,
    h.kdf.alg,
    h.kdf.logN,
    h.kdf.r,
    h.kdf.p,
    h.kdf.salt,
  ]);
}

/** HMAC input: every header field except the MAC itself. */
function headerMacInput(h: UnsignedHeader): Buffer {
  const fields = [
    'sealsight-vault/header-mac',
    h.format,
    h.version,
    h.vaultId,
    h.createdAt,
    h.kdf.alg,
    h.kdf.logN,
    h.kdf.r,
    h.kdf.p,
    h.kdf.salt,
    h.wrappedMasterKey,
  ];
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

function computeHeaderMac(masterKey: Uint8Array, h: UnsignedHeader): Buffer {
  const macKey = hkdfSubkey(masterKey, SUBKEY_LABELS.headerMac);
  try {
    return hmacSha256(macKey, headerMacInput(h));
  } finally {
    macKey.fill(0);
  }
}

function assertPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new RangeError('passphrase must be a non-empty string');
  }
}

/** Wrap `masterKey` under `passphrase` and serialise the header. */
async function sealHeader(
  fields: UnwrappedHeader,
  masterKey: Uint8Array,
  passphrase: string,
): Promise<string> {
  const kek = await deriveKek(passphrase, fields.kdf);
  let wrapped: Uint8Array;
  try {
    wrapped = sealAead(kek, masterKey, masterKeyWrapAad(fields), 'vault master key');
  } finally {
    // Best effort: JS cannot guarantee the key leaves no copies (GC moves, OpenSSL contexts),
    // but clearing our own buffer as soon as it is used is cheap.
    kek.fill(0);
  }
  const unsigned: UnsignedHeader = { ...fields, wrappedMasterKey: toBase64(wrapped) };
  const mac = toBase64(computeHeaderMac(masterKey, unsigned));
  // Built field by field so the output order is fixed whatever order `fields` was built in.
  const header: VaultHeader = {
    format: unsigned.format,
    version: unsigned.version,
    vaultId: unsigned.vaultId,
    createdAt: unsigned.createdAt,
    kdf: {
      alg: unsigned.kdf.alg,
      logN: unsigned.kdf.logN,
      r: unsigned.kdf.r,
      p: unsigned.kdf.p,
      salt: unsigned.kdf.salt,
    },
    wrappedMasterKey: unsigned.wrappedMasterKey,
    mac,
  };
  // Compact on purpose (see the top of the file): no insignificant whitespace, no trailing newline.
  return JSON.stringify(header);
}

/**
 * Create a new vault: a random 32-byte master key, wrapped under the passphrase. The caller
 * stores `headerJson` and uses `masterKey` (derive subkeys with hkdfSubkey; zero it when done).
 */
export async function createVaultHeader(
  passphrase: string,
  opts: VaultHeaderOptions = {},
): Promise<{ headerJson: string; masterKey: Uint8Array }> {
  assertPassphrase(passphrase);
  const masterKey = randomBytes(MASTER_KEY_BYTES);
  const fields: UnwrappedHeader = {
    format: VAULT_FORMAT,
    version: VAULT_HEADER_VERSION,
    vaultId: randomBytes(16).toString('hex'),
    createdAt: new Date().toISOString(),
    kdf: newKdfParams(opts.kdf),
  };
  try {
    return { headerJson: await sealHeader(fields, masterKey, passphrase), masterKey };
  } catch (err) {
    masterKey.fill(0);
    throw err;
  }
}

function tampered(detail: string): HeaderTamperedError {
  return new HeaderTamperedError(`${detail} (corrupt or tampered)`);
}

/**
 * Parse and structurally validate a header WITHOUT authenticating it (no passphrase needed).
 * Every field may still be forged: trust nothing here until openVaultHeader succeeds. Useful to
 * show which vault a file belongs to before unlocking. Throws the same typed errors as
 * openVaultHeader for structural problems.
 */
export function readVaultHeaderUnverified(headerJson: string): VaultHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(headerJson);
  } catch {
    throw new HeaderTamperedError('vault header is not valid JSON (corrupt or tampered)');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw tampered('vault header is not a JSON object');
  }
  const h = raw as Record<string, unknown>;

  if (h.format !== VAULT_FORMAT) throw tampered('this is not a SealSight vault header');
  if (typeof h.version !== 'number' || !Number.isInteger(h.version)) {
    throw tampered('vault header version is not an integer');
  }
  if (h.version > VAULT_HEADER_VERSION) {
    throw new UnsupportedVaultVersionError(h.version, VAULT_HEADER_VERSION);
  }
  if (h.version < VAULT_HEADER_VERSION) {
    // No SealSight ever wrote an older version, so an older number can only be an edit, most
    // likely an attempt to make us apply older, weaker rules. Refuse rather than "migrate".
    throw tampered(
      `vault header claims version ${h.version}, older than any SealSight wrote; ` +
        'refusing a possible downgrade',
    );
  }

  // Exactly the known fields: unknown ones would be unauthenticated, missing ones are corrupt.
  for (const key of Object.keys(h)) {
    if (!(HEADER_FIELDS as readonly string[]).includes(key)) {
      throw tampered(`vault header has an unknown field ${quoteUntrusted(key)}`);
    }
  }
  for (const key of HEADER_FIELDS) {
    if (!(key in h)) throw tampered(`vault header is missing the field "${key}"`);
  }
  if (typeof h.vaultId !== 'string' || !VAULT_ID_PATTERN.test(h.vaultId)) {
    throw tampered('vault header vaultId is malformed');
  }
  if (
    typeof h.createdAt !== 'string' ||
    !CREATED_AT_PATTERN.test(h.createdAt) ||
    Number.isNaN(Date.parse(h.createdAt))
  ) {
    throw tampered('vault header createdAt is malformed');
  }

  let kdf: KdfParams;
  try {
    kdf = parseKdfParams(h.kdf);
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'invalid';
    throw tampered(`vault header has unacceptable KDF parameters: ${reason}`);
  }

  checkBase64Field(h.wrappedMasterKey, 'wrappedMasterKey', WRAPPED_MASTER_KEY_BYTES);
  checkBase64Field(h.mac, 'mac', HEADER_MAC_BYTES);

  return {
    format: VAULT_FORMAT,
    version: h.version,
    vaultId: h.vaultId,
    createdAt: h.createdAt,
    kdf,
    wrappedMasterKey: h.wrappedMasterKey as string,
    mac: h.mac as string,
  };
}

function checkBase64Field(value: unknown, name: string, expectedBytes: number): void {
  if (typeof value !== 'string') throw tampered(`vault header ${name} is not a string`);
  let bytes: Buffer;
  try {
    bytes = decodeBase64Strict(value, name);
  } catch {
    throw tampered(`vault header ${name} is not canonical base64`);
  }
  if (bytes.byteLength !== expectedBytes) {
    throw tampered(`vault header ${name} has the wrong length`);
  }
}

/** Unwrap and authenticate; returns the parsed header too, for changePassphrase. */
async function unlock(
  headerJson: string,
  passphrase: string,
): Promise<{ header: VaultHeader; masterKey: Uint8Array }> {
  const header = readVaultHeaderUnverified(headerJson);
  const kek = await deriveKek(passphrase, header.kdf);
  let masterKey: Uint8Array;
  try {
    const wrapped = decodeBase64Strict(header.wrappedMasterKey, 'wrappedMasterKey');
    masterKey = openAead(kek, wrapped, masterKeyWrapAad(header), 'vault master key');
  } catch (err) {
    // GCM cannot distinguish a wrong passphrase from an edited wrap or edited bound params.
    if (err instanceof IntegrityError) throw new WrongPassphraseError();
    throw err;
  } finally {
    kek.fill(0); // best effort, see sealHeader
  }

  const expected = computeHeaderMac(masterKey, header);
  const actual = decodeBase64Strict(header.mac, 'mac');
  if (masterKey.byteLength !== MASTER_KEY_BYTES || !constantTimeEqual(expected, actual)) {
    masterKey.fill(0);
    throw tampered('vault header failed its integrity check');
  }
  return { header, masterKey };
}

/**
 * Open a vault header with the passphrase and return the 32-byte master key.
 *
 * Checks, in order: JSON syntax, format and version (newer -> UnsupportedVaultVersionError,
 * older -> HeaderTamperedError as a downgrade), field shapes and KDF bounds (HeaderTamperedError,
 * before any expensive work), scrypt + unwrap (WrongPassphraseError), then the header MAC in
 * constant time (HeaderTamperedError).
 */
export async function openVaultHeader(headerJson: string, passphrase: string): Promise<Uint8Array> {
  const { masterKey } = await unlock(headerJson, passphrase);
  return masterKey;
}

/**
 * Re-wrap the same master key under a new passphrase, with a fresh salt. vaultId and createdAt
 * are kept; the scrypt cost is kept unless `opts.kdf` overrides it. Nothing else in the vault
 * changes, which is the point of the master-key layer. The old header stays valid until the
 * caller replaces the file (write the new one atomically).
 */
export async function changePassphrase(
  headerJson: string,
  oldPassphrase: string,
  newPassphrase: string,
  opts: VaultHeaderOptions = {},
): Promise<string> {
  assertPassphrase(newPassphrase);
  const { header, masterKey } = await unlock(headerJson, oldPassphrase);
  try {
    const fields: UnwrappedHeader = {
      format: VAULT_FORMAT,
      version: VAULT_HEADER_VERSION,
      vaultId: header.vaultId,
      createdAt: header.createdAt,
      kdf: newKdfParams(opts.kdf, header.kdf),
    };
    return await sealHeader(fields, masterKey, newPassphrase);
  } finally {
    masterKey.fill(0);
  }
}
