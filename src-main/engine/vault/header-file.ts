// vault.json is the only wrap of the master key: lose it and every image in the vault is lost.
// So it is kept twice, as vault.json and an identical vault.json.bak, each written the durable
// way (exclusive temp file, fsync, rename, fsync of the folder), and reading falls back to the
// backup when the main copy is missing, damaged or fails to authenticate. Nothing here decides
// whether a copy is genuine: the header's own wrap and MAC (crypto/vault-header.ts) do.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  HeaderTamperedError,
  openVaultHeader,
  readVaultHeaderUnverified,
  UnsupportedVaultVersionError,
  VaultCryptoError,
  WrongPassphraseError,
} from '../crypto/index.ts';

export const HEADER_FILE = 'vault.json';
export const HEADER_BACKUP_FILE = `${HEADER_FILE}.bak`;

/** Which copy of the header was used. */
export type HeaderSource = 'main' | 'backup';

/** Defined here, the lowest layer of the vault folder, so vault.ts can use it without a cycle. */
export class VaultError extends Error {
  override name = 'VaultError';
}

/** The file operations the writer uses: a seam so tests can watch every open and fsync. */
export interface HeaderFileIo {
  readonly open: typeof open;
  readonly rename: typeof rename;
}

const NODE_IO: HeaderFileIo = { open, rename };

/** A temp file this old is a crash leftover, not a concurrent write in progress. */
const STALE_TEMP_MS = 60_000;

/** A header is a few hundred bytes; anything far larger is not one and is not read whole. */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Writes `headerJson` as vault.json.bak, then as vault.json. The main copy is replaced last, so
 * at every instant at least one complete header is on disk, and a crash in between leaves the
 * newer header in the backup, which unlocking then copies forward.
 */
export async function writeVaultHeader(
  dir: string,
  headerJson: string,
  io: HeaderFileIo = NODE_IO,
): Promise<void> {
  await writeHeaderCopy(dir, HEADER_BACKUP_FILE, headerJson, io);
  await writeHeaderCopy(dir, HEADER_FILE, headerJson, io);
}

/** One copy: temp file, fsync, rename into place, fsync of the folder so the rename persists. */
async function writeHeaderCopy(
  dir: string,
  name: string,
  text: string,
  io: HeaderFileIo,
): Promise<void> {
  await removeStaleTemps(dir, name);
  // A name of its own per write: two processes settling the same vault at once can never
  // rename each other's half-written file into place. 'wx' (O_CREAT | O_EXCL) makes a new file
  // or fails, so it never writes through a symlink or into a file planted at that path.
  const temp = path.join(dir, `${name}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await io.open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await io.rename(temp, path.join(dir, name));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(dir, io);
}

/**
 * A crash between open and rename leaves a temp file behind. It was never renamed into place,
 * so nothing relies on it; it is removed on the next write once it is clearly not another
 * writer's file in flight (those live for milliseconds).
 */
async function removeStaleTemps(dir: string, name: string): Promise<void> {
  const pattern = new RegExp(`^${name.replaceAll('.', '\\.')}\\.[0-9a-f]{16}\\.tmp$`);
  for (const entry of await readdir(dir)) {
    if (!pattern.test(entry)) continue;
    const file = path.join(dir, entry);
    const stats = await lstat(file).catch(() => null);
    if (stats && Date.now() - stats.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
  }
}

async function syncFolder(dir: string, io: HeaderFileIo): Promise<void> {
  // Windows cannot open a folder as a file (EISDIR/EPERM), so a folder fsync is impossible
  // there; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await io.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

type CopyRead =
  | { readonly ok: true; readonly headerJson: string }
  | { readonly ok: false; readonly missing: boolean; readonly cause: string };

/**
 * Reads one copy and checks its structure (no passphrase). A damaged copy is reported, not
 * thrown, so the caller can fall back to the other one. Two things do throw: a symlinked
 * vault.json (someone pointed the vault's key at another file: refuse the vault) and a header
 * from a newer SealSight (falling back would silently replace it with an older copy).
 */
async function readCopy(dir: string, name: string): Promise<CopyRead> {
  const file = path.join(dir, name);
  try {
    if ((await lstat(file)).isSymbolicLink()) return symlinked(dir, name);
    // O_NOFOLLOW closes the gap between lstat and open where it exists (not on Windows).
    const handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    let text: string;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return damaged('is not a regular file');
      if (stats.size > MAX_HEADER_BYTES) return damaged(`is too large (${stats.size} bytes)`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
    if (text.length === 0) return damaged('is empty');
    readVaultHeaderUnverified(text);
    return { ok: true, headerJson: text };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return { ok: false, missing: true, cause: 'is missing' };
    if (code === 'ELOOP') return symlinked(dir, name);
    if (error instanceof UnsupportedVaultVersionError) throw error;
    if (error instanceof VaultCryptoError || code !== undefined) {
      return damaged((error as Error).message);
    }
    throw error;
  }
}

function damaged(cause: string): CopyRead {
  return { ok: false, missing: false, cause };
}

function symlinked(dir: string, name: string): CopyRead {
  if (name === HEADER_FILE) {
    throw new VaultError(`${dir}: ${HEADER_FILE} is a symbolic link; refusing to open the vault`);
  }
  return damaged('is a symbolic link (refused)');
}

function noUsableHeader(dir: string, main: CopyRead, backup: CopyRead): VaultError {
  if (!main.ok && !backup.ok && main.missing && backup.missing) {
    return new VaultError(`${dir}: not a SealSight vault (no ${HEADER_FILE})`);
  }
  return new VaultError(
    `${dir}: no usable vault header: ${HEADER_FILE} ${causeOf(main)}; ` +
      `${HEADER_BACKUP_FILE} ${causeOf(backup)}`,
  );
}

function causeOf(copy: CopyRead | { error: unknown }): string {
  if ('error' in copy) return `does not open: ${(copy.error as Error).message}`;
  return copy.ok ? 'does not open' : copy.cause;
}

/**
 * The header text, from vault.json, or from vault.json.bak when the main copy is missing, empty,
 * not JSON or structurally invalid. Unauthenticated: fine for "is this a vault?" only.
 */
export async function readVaultHeader(
  dir: string,
): Promise<{ headerJson: string; source: HeaderSource }> {
  const main = await readCopy(dir, HEADER_FILE);
  if (main.ok) return { headerJson: main.headerJson, source: 'main' };
  const backup = await readCopy(dir, HEADER_BACKUP_FILE);
  if (backup.ok) return { headerJson: backup.headerJson, source: 'backup' };
  throw noUsableHeader(dir, main, backup);
}

export interface UnlockedHeader {
  /** The header copy that authenticated. */
  readonly headerJson: string;
  /** 32 bytes; the caller owns it and zeroes it. */
  readonly masterKey: Uint8Array;
  readonly source: HeaderSource;
  /** The other copy is missing or differs from `headerJson` (see settleVaultHeader). */
  readonly otherCopyStale: boolean;
}

/** A failure that a different copy of the header could cure. */
function isDamage(error: unknown): boolean {
  return error instanceof WrongPassphraseError || error instanceof HeaderTamperedError;
}

/**
 * Authenticates the header with the passphrase: vault.json first, then vault.json.bak if the
 * main copy is unusable or fails to authenticate (a flipped byte inside the JSON) while the
 * backup differs. Writes nothing: call settleVaultHeader once the caller has checked that the
 * header belongs to this vault. A wrong passphrase on both copies is a WrongPassphraseError.
 */
export async function unlockVaultHeader(dir: string, passphrase: string): Promise<UnlockedHeader> {
  const main = await readCopy(dir, HEADER_FILE);
  const backup = await readCopy(dir, HEADER_BACKUP_FILE);
  if (!main.ok && !backup.ok) throw noUsableHeader(dir, main, backup);
  let mainError: unknown;
  if (main.ok) {
    const sameAsBackup = backup.ok && backup.headerJson === main.headerJson;
    try {
      const masterKey = await openVaultHeader(main.headerJson, passphrase);
      return {
        headerJson: main.headerJson,
        masterKey,
        source: 'main',
        otherCopyStale: !sameAsBackup,
      };
    } catch (error) {
      // An identical backup fails the same way; skipping it also spares a second scrypt run
      // on every mistyped passphrase.
      if (!isDamage(error) || !backup.ok || sameAsBackup) throw error;
      mainError = error;
    }
  }
  if (!backup.ok) throw noUsableHeader(dir, main, backup); // unreachable: narrows the type
  const backupJson = backup.headerJson;
  try {
    const masterKey = await openVaultHeader(backupJson, passphrase);
    return { headerJson: backupJson, masterKey, source: 'backup', otherCopyStale: true };
  } catch (error) {
    if (!isDamage(error)) throw error;
    const wrongOnBoth =
      error instanceof WrongPassphraseError &&
      (mainError === undefined || mainError instanceof WrongPassphraseError);
    if (wrongOnBoth) throw mainError ?? error;
    throw new VaultError(
      `${dir}: no usable vault header: ${HEADER_FILE} ` +
        `${mainError === undefined ? causeOf(main) : causeOf({ error: mainError })}; ` +
        `${HEADER_BACKUP_FILE} ${causeOf({ error })}`,
    );
  }
}

/**
 * Brings both copies back in line after a successful unlock whose header the caller has tied to
 * this vault (so a stray header from another vault never overwrites a good copy). Unlocked from
 * the backup: vault.json is restored, and failing to do so is an error, because the vault would
 * stay one file away from loss. Unlocked from the main copy with the backup missing or stale (a
 * vault made before backups existed): the backup is rewritten, best effort, so a read-only
 * folder still opens.
 */
export async function settleVaultHeader(
  dir: string,
  unlocked: Pick<UnlockedHeader, 'headerJson' | 'source' | 'otherCopyStale'>,
  io: HeaderFileIo = NODE_IO,
): Promise<void> {
  if (!unlocked.otherCopyStale) return;
  if (unlocked.source === 'main') {
    await writeHeaderCopy(dir, HEADER_BACKUP_FILE, unlocked.headerJson, io).catch(() => {});
    return;
  }
  try {
    await writeHeaderCopy(dir, HEADER_FILE, unlocked.headerJson, io);
  } catch (error) {
    throw new VaultError(
      `${dir}: unlocked from ${HEADER_BACKUP_FILE} but could not restore ${HEADER_FILE} ` +
        `(${(error as Error).message}); copy ${HEADER_BACKUP_FILE} to ${HEADER_FILE} by hand`,
    );
  }
}
