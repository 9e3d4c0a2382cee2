// A vault is a folder: `vault.json` (the authenticated key header) and
// `catalogue.sqlite` (everything else, all pixel data encrypted). Opening a vault
// needs the passphrase; the unlocked handle holds only derived subkeys.
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  createVaultHeader,
  hkdfSubkey,
  readVaultHeaderUnverified,
  SUBKEY_LABELS,
  unwrapSecret,
  unwrapWithKey,
  wrapSecret,
  wrapWithKey,
  wrappingKey,
} from '../crypto/index.ts';
import type { KdfParams } from '../crypto/index.ts';
import { loadSeal } from '../sealed/ckks/seal-runtime.ts';
import {
  ckksPresetById,
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../sealed/ckks/ckks-presets.ts';
import { generateCkksKeys, generateGaloisKeys } from '../sealed/ckks/ckks-keys.ts';
import type { CkksEvaluationKeys } from '../sealed/ckks/ckks-keys.ts';
import { Catalogue, CATALOGUE_FILE } from './catalogue/index.ts';
import type { CatalogueAccess } from './catalogue/index.ts';
import type { MigrationKeys } from './migrations/index.ts';
import { checkKeysetMac, keysetMac } from './keyset-mac.ts';
import {
  readVaultHeader,
  settleVaultHeader,
  unlockVaultHeader,
  VaultError,
  writeVaultHeader,
} from './header-file.ts';
import type { HeaderSource } from './header-file.ts';
import { ckksSecretKeyAad } from './item-aad.ts';
import type { ImageSealingKeys } from './sealed-image.ts';

export { HEADER_BACKUP_FILE, HEADER_FILE, VaultError } from './header-file.ts';

/**
 * HKDF label of the subkey that seals the vault's settings and their secrets (a broker
 * password). Its own purpose, held by the key holder only (never part of sealingKeys, which
 * import workers get), like the secret-wrapping subkeys of the crypto library.
 */
export const SETTINGS_SUBKEY_LABEL = 'sealsight/v1/vault-settings';
export type { HeaderSource } from './header-file.ts';

export interface InitVaultOptions {
  /** Override KDF cost (tests); the default is the crypto library's standard cost. */
  readonly kdf?: Partial<KdfParams>;
}

export interface CkksKeyset {
  readonly id: number;
  readonly evaluation: CkksEvaluationKeys;
}

/** Creates a new vault in an empty (or missing) folder. */
export async function initVault(
  dir: string,
  passphrase: string,
  options: InitVaultOptions = {},
): Promise<{ dir: string; vaultId: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await readdir(dir);
  if (existing.length > 0)
    throw new VaultError(`${dir}: folder is not empty; a vault needs its own folder`);
  // Owner-only, also when the folder already existed (mkdir's mode applies only to folders it
  // creates). Windows has no POSIX modes: the user profile's ACLs protect the folder there.
  if (process.platform !== 'win32') await chmod(dir, 0o700);
  const { headerJson, masterKey } = await createVaultHeader(passphrase, { kdf: options.kdf });
  const vaultId = vaultIdOf(headerJson);
  const seal = await loadSeal();
  using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
  const keys = generateCkksKeys(seal, ckks);
  const catalogue = Catalogue.open(path.join(dir, CATALOGUE_FILE), { create: true });
  const macKey = hkdfSubkey(masterKey, SUBKEY_LABELS.ckksMac);
  try {
    migrateWithSubkeys(catalogue, vaultId, masterKey);
    const keyset = { id: 1, ...keys.evaluation };
    const secretKeyWrapped = wrapSecret(
      masterKey,
      SUBKEY_LABELS.ckksSecret,
      keys.secretKey,
      ckksSecretKeyAad(vaultId, keyset.presetId, keyset.id),
    );
    const mac = keysetMac(macKey, vaultId, keyset);
    catalogue.write((tx) => {
      tx.vaultMeta.setVaultId(vaultId);
      tx.keysets.insert({ ...keyset, secretKeyWrapped, mac });
    });
  } finally {
    catalogue.close();
    macKey.fill(0);
    keys.secretKey.fill(0);
    masterKey.fill(0);
  }
  // The header goes last, durably and twice (header-file.ts): a folder without it is not a
  // vault, so an interrupted init never leaves a half-made vault that looks usable.
  await writeVaultHeader(dir, headerJson);
  return { dir, vaultId };
}

/**
 * Throws a VaultError unless dir holds a structurally valid vault header, in vault.json or its
 * backup (no passphrase needed).
 */
export async function assertIsVault(dir: string): Promise<void> {
  await readVaultHeader(dir);
}

/** Unlocks a vault: verifies the header with the passphrase, opens the catalogue. */
export async function openVault(dir: string, passphrase: string): Promise<UnlockedVault> {
  // Falls back to vault.json.bak when vault.json is missing, damaged or fails to authenticate.
  const header = await unlockVaultHeader(dir, passphrase);
  const { headerJson, masterKey } = header;
  const vaultId = vaultIdOf(headerJson);
  const catalogue = Catalogue.open(path.join(dir, CATALOGUE_FILE), { create: false });
  try {
    // The vault id is checked before any migration rewrites a catalogue: a catalogue
    // copied in from another vault is refused untouched.
    if (catalogue.read.vaultMeta.vaultId() !== vaultId)
      throw new VaultError(`${dir}: the catalogue belongs to another vault (id mismatch)`);
    migrateWithSubkeys(catalogue, vaultId, masterKey);
  } catch (error) {
    catalogue.close();
    masterKey.fill(0);
    throw error;
  }
  const vault = new UnlockedVault(dir, vaultId, catalogue, masterKey, header.source);
  try {
    // Only now, with the header tied to this catalogue, may it overwrite the other copy.
    await settleVaultHeader(dir, header);
  } catch (error) {
    vault.close();
    throw error;
  }
  return vault;
}

/** Only called after the header has been authenticated (or just created). */
function vaultIdOf(headerJson: string): string {
  return readVaultHeaderUnverified(headerJson).vaultId;
}

export function newImageUid(): string {
  return randomBytes(16).toString('hex');
}

export class UnlockedVault {
  readonly dir: string;
  readonly vaultId: string;
  /** The catalogue's read and write handles (catalogue/): the vault alone opens and closes it. */
  readonly catalogue: CatalogueAccess;
  readonly #catalogue: Catalogue;
  /** 'backup': vault.json was missing or damaged; it unlocked from vault.json.bak (restored). */
  readonly headerSource: HeaderSource;
  /** The CKKS secret-key wrapping subkey: the master key itself is dropped at unlock. */
  readonly #ckksWrapKey: Uint8Array;
  /** Wraps the vault's obfuscation keys (obf-key.ts). */
  readonly #obfWrapKey: Uint8Array;
  /** Seals the vault's settings and their secrets (vault-settings.ts). */
  readonly #settingsKey: Uint8Array;
  readonly #blobKey: Uint8Array;
  readonly #ckksMacKey: Uint8Array;
  readonly #dedupeKey: Uint8Array;

  constructor(
    dir: string,
    vaultId: string,
    catalogue: Catalogue,
    masterKey: Uint8Array,
    headerSource: HeaderSource = 'main',
  ) {
    this.dir = dir;
    this.vaultId = vaultId;
    this.catalogue = catalogue;
    this.#catalogue = catalogue;
    this.headerSource = headerSource;
    this.#ckksWrapKey = wrappingKey(masterKey, SUBKEY_LABELS.ckksSecret);
    this.#obfWrapKey = wrappingKey(masterKey, SUBKEY_LABELS.obfKey);
    this.#settingsKey = hkdfSubkey(masterKey, SETTINGS_SUBKEY_LABEL);
    this.#blobKey = hkdfSubkey(masterKey, SUBKEY_LABELS.blob);
    this.#ckksMacKey = hkdfSubkey(masterKey, SUBKEY_LABELS.ckksMac);
    this.#dedupeKey = hkdfSubkey(masterKey, SUBKEY_LABELS.dedupe);
    // Only the subkeys an unlocked vault uses stay in memory; the master key (which would
    // also open the header's other subkeys) is wiped as soon as they are derived.
    masterKey.fill(0);
  }

  get sealingKeys(): ImageSealingKeys {
    return { vaultId: this.vaultId, blobKey: this.#blobKey, ckksMacKey: this.#ckksMacKey };
  }

  get dedupeKey(): Uint8Array {
    return this.#dedupeKey;
  }

  /** Ids of every stored key set, oldest first. */
  keysetIds(): number[] {
    return this.catalogue.read.keysets.ids();
  }

  /** The current (newest) CKKS key set: evaluation keys only, MAC checked. */
  currentKeyset(): CkksKeyset {
    const id = this.catalogue.read.keysets.newestId();
    if (id === null) throw new VaultError(`${this.dir}: vault has no CKKS key set`);
    return this.keysetById(id);
  }

  /**
   * A key set's evaluation keys, authenticated (keyset-mac.ts) before anything uses them:
   * what an evaluator is handed is exactly what the key holder generated.
   */
  keysetById(id: number): CkksKeyset {
    const row = this.catalogue.read.keysets.byId(id);
    if (!row) throw new VaultError(`${this.dir}: CKKS key set ${id} not found`);
    const evaluation: CkksEvaluationKeys = {
      presetId: row.presetId,
      publicKey: row.publicKey,
      relinKeys: row.relinKeys,
      galoisKeys: row.galoisKeys,
      galoisSteps: parseSteps(row.galoisSteps, row.id),
    };
    checkKeysetMac(this.#ckksMacKey, this.vaultId, { id: row.id, ...evaluation }, row.mac);
    return { id: row.id, evaluation };
  }

  /**
   * Makes sure the current key set has Galois keys for every rotation step given;
   * if not, the key holder generates keys for the union and stores them with the key
   * set's new MAC (one transaction). Returns the key set as an evaluator may see it.
   */
  async ensureGaloisKeys(steps: readonly number[]): Promise<CkksKeyset> {
    const keyset = this.currentKeyset();
    const have = new Set(keyset.evaluation.galoisSteps);
    if (keyset.evaluation.galoisKeys && steps.every((step) => have.has(step))) return keyset;
    const union = [...new Set([...have, ...steps])].sort((a, b) => a - b);
    const seal = await loadSeal();
    using ckks = createCkksContext(seal, ckksPresetById(keyset.evaluation.presetId));
    const secretKey = this.unwrapCkksSecretKey(keyset.id);
    let galoisKeys: Uint8Array;
    try {
      galoisKeys = generateGaloisKeys(seal, ckks, secretKey, union);
    } finally {
      secretKey.fill(0);
    }
    const updated = { id: keyset.id, ...keyset.evaluation, galoisKeys, galoisSteps: union };
    this.catalogue.write((tx) => {
      // Re-checked inside the transaction: the new MAC only ever covers keys that are
      // authentic at this moment plus the Galois keys made here.
      this.keysetById(keyset.id);
      tx.keysets.setGaloisKeys(
        keyset.id,
        galoisKeys,
        union,
        keysetMac(this.#ckksMacKey, this.vaultId, updated),
      );
    });
    // What was just written and MAC'd: no second read (and hash) of 75 MB of keys.
    const { id, ...evaluation } = updated;
    return { id, evaluation };
  }

  /**
   * Unwraps a key set's CKKS secret key. Key-holder only; zero it after use. The wrap's
   * associated data binds the vault, the preset and the key-set id, so a wrapped key
   * copied into another row (to make it "current") does not open.
   */
  unwrapCkksSecretKey(keysetId: number): Uint8Array {
    const row = this.catalogue.read.keysets.wrappedSecret(keysetId);
    if (!row) throw new VaultError(`CKKS key set ${keysetId} not found`);
    return unwrapWithKey(
      this.#ckksWrapKey,
      row.secretKeyWrapped,
      ckksSecretKeyAad(this.vaultId, row.presetId, keysetId),
      `CKKS secret key of key set ${keysetId}`,
    );
  }

  /** Wraps an obfuscation key for storage (obf-key.ts owns the table and the AAD). */
  wrapObfuscationKey(key: Uint8Array, aad: string): Uint8Array {
    return wrapWithKey(this.#obfWrapKey, key, aad, 'obfuscation key');
  }

  /** Inverse of wrapObfuscationKey; throws IntegrityError naming `what` on any mismatch. */
  unwrapObfuscationKey(wrapped: Uint8Array, aad: string, what: string): Uint8Array {
    return unwrapWithKey(this.#obfWrapKey, wrapped, aad, what);
  }

  /** Seals a setting's value or secret for storage (vault-settings.ts owns the table and AAD). */
  sealSettingItem(plaintext: Uint8Array, aad: string, what: string): Uint8Array {
    return wrapWithKey(this.#settingsKey, plaintext, aad, what);
  }

  /** Inverse of sealSettingItem; throws IntegrityError naming `what` on any mismatch. */
  openSettingItem(sealed: Uint8Array, aad: string, what: string): Uint8Array {
    return unwrapWithKey(this.#settingsKey, sealed, aad, what);
  }

  /** Closes the catalogue (a closed vault is two files) and wipes the subkeys; again is a no-op. */
  close(): void {
    this.#catalogue.close();
    for (const key of [
      this.#ckksWrapKey,
      this.#obfWrapKey,
      this.#settingsKey,
      this.#blobKey,
      this.#ckksMacKey,
      this.#dedupeKey,
    ])
      key.fill(0);
  }
}

function parseSteps(text: string, keysetId: number): number[] {
  const steps: unknown = JSON.parse(text);
  if (!Array.isArray(steps) || !steps.every((step) => Number.isInteger(step)))
    throw new VaultError(`CKKS key set ${keysetId}: its Galois step list is not a list of steps`);
  return steps as number[];
}

/** Runs pending migrations with what they may use: the vault id and subkeys, never the master key. */
function migrateWithSubkeys(catalogue: Catalogue, vaultId: string, masterKey: Uint8Array): void {
  const keys: MigrationKeys = {
    vaultId,
    blobKey: hkdfSubkey(masterKey, SUBKEY_LABELS.blob),
    ckksMacKey: hkdfSubkey(masterKey, SUBKEY_LABELS.ckksMac),
    rewrapCkksSecret: (wrapped, fromAad, toAad) => {
      const secret = unwrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, wrapped, fromAad);
      try {
        return wrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, secret, toAad);
      } finally {
        secret.fill(0);
      }
    },
  };
  try {
    catalogue.migrate(keys);
  } finally {
    keys.blobKey.fill(0);
    keys.ckksMacKey.fill(0);
  }
}
