// The vault header's durability: fsync of file and folder, an identical backup, recovery from
// a missing, emptied or corrupted vault.json, and the refusals (symlink, newer version).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chmod,
  cp,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  utimes,
  writeFile,
  mkdtemp,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createVaultHeader,
  UnsupportedVaultVersionError,
  WrongPassphraseError,
} from '../crypto/index.ts';
import {
  HEADER_BACKUP_FILE,
  HEADER_FILE,
  readVaultHeader,
  settleVaultHeader,
  unlockVaultHeader,
  VaultError,
  writeVaultHeader,
} from './header-file.ts';
import type { HeaderFileIo } from './header-file.ts';
import { initVault, openVault } from './vault.ts';

const PASS = 'correct horse battery staple';
const FAST = { kdf: { logN: 14 } };
const POSIX = process.platform !== 'win32';

let root: string;
let counter = 0;
const freshDir = async (): Promise<string> => {
  const dir = path.join(root, `case-${++counter}`);
  await mkdir(dir);
  return dir;
};

/** Records every open, fsync, close and rename the writer makes, in order. */
function recordingIo(events: string[]): HeaderFileIo {
  const name = (p: string) => path.basename(p.toString());
  return {
    open: (async (file: string, flags: string, mode?: number) => {
      events.push(`open ${name(file)} ${flags}${mode === undefined ? '' : ` ${mode.toString(8)}`}`);
      const handle = await open(file, flags, mode);
      const sync = handle.sync.bind(handle);
      const close = handle.close.bind(handle);
      handle.sync = async () => {
        events.push(`sync ${name(file)}`);
        await sync();
      };
      handle.close = async () => {
        events.push(`close ${name(file)}`);
        await close();
      };
      return handle;
    }) as HeaderFileIo['open'],
    rename: async (from, to) => {
      events.push(`rename ${name(from.toString())} -> ${name(to.toString())}`);
      await rename(from, to);
    },
  };
}

/** The header with one byte of the wrapped master key's ciphertext flipped; still valid JSON. */
function flipWrappedKeyByte(headerJson: string): string {
  const h = JSON.parse(headerJson) as { wrappedMasterKey: string };
  const wrapped = Buffer.from(h.wrappedMasterKey, 'base64');
  wrapped[20]! ^= 0x01;
  const flipped = headerJson.replace(h.wrappedMasterKey, wrapped.toString('base64'));
  expect(flipped).not.toBe(headerJson);
  return flipped;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sealsight-header-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeVaultHeader', () => {
  let headerJson: string;
  beforeAll(async () => {
    ({ headerJson } = await createVaultHeader(PASS, FAST));
  });

  it('fsyncs each copy before renaming it into place, then fsyncs the folder', async () => {
    const dir = await freshDir();
    const events: string[] = [];
    await writeVaultHeader(dir, headerJson, recordingIo(events));
    const folder = path.basename(dir);
    // Temp names are random per write; name them by their copy.
    const named = events.map((e) => e.replaceAll(/\.[0-9a-f]{16}\.tmp/g, '.TEMP'));
    const copy = (file: string) => [
      `open ${file}.TEMP wx 600`,
      `sync ${file}.TEMP`,
      `close ${file}.TEMP`,
      `rename ${file}.TEMP -> ${file}`,
      ...(POSIX ? [`open ${folder} r`, `sync ${folder}`, `close ${folder}`] : []),
    ];
    // The backup first: the main copy is replaced only once a complete backup is durable.
    expect(named).toEqual([...copy(HEADER_BACKUP_FILE), ...copy(HEADER_FILE)]);
  });

  it('writes a byte-identical backup, owner-only, and leaves no temp file', async () => {
    const dir = await freshDir();
    await writeVaultHeader(dir, headerJson);
    expect((await readdir(dir)).sort()).toEqual([HEADER_FILE, HEADER_BACKUP_FILE]);
    const main = await readFile(path.join(dir, HEADER_FILE));
    expect(main.toString('utf8')).toBe(headerJson);
    expect(Buffer.compare(await readFile(path.join(dir, HEADER_BACKUP_FILE)), main)).toBe(0);
    if (POSIX) {
      for (const file of [HEADER_FILE, HEADER_BACKUP_FILE]) {
        expect((await lstat(path.join(dir, file))).mode & 0o777).toBe(0o600);
      }
    }
  });

  it('is not blocked by temp files a crash left behind, never writes through them, and sweeps them', async () => {
    const dir = await freshDir();
    const outside = path.join(root, `outside-${counter}.txt`);
    await writeFile(outside, 'not yours');
    const crashed = path.join(dir, `${HEADER_FILE}.0123456789abcdef.tmp`);
    const planted = path.join(dir, `${HEADER_BACKUP_FILE}.fedcba9876543210.tmp`);
    const inFlight = path.join(dir, `${HEADER_FILE}.00000000000000ff.tmp`);
    await writeFile(crashed, '{"half": "writ');
    await symlink(outside, planted);
    await writeFile(inFlight, '{"another writer');
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(crashed, longAgo, longAgo);
    await lutimes(planted, longAgo, longAgo);

    await writeVaultHeader(dir, headerJson);
    // The crash leftovers are gone; a fresh temp file may be another writer's, so it stays.
    expect((await readdir(dir)).sort()).toEqual([
      HEADER_FILE,
      path.basename(inFlight),
      HEADER_BACKUP_FILE,
    ]);
    expect(await readFile(path.join(dir, HEADER_FILE), 'utf8')).toBe(headerJson);
    expect(await readFile(path.join(dir, HEADER_BACKUP_FILE), 'utf8')).toBe(headerJson);
    expect(await readFile(outside, 'utf8')).toBe('not yours');
  });

  it('removes its temp file when the write fails', async () => {
    const dir = await freshDir();
    const failing: HeaderFileIo = {
      open,
      rename: async () => {
        throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
      },
    };
    await expect(writeVaultHeader(dir, headerJson, failing)).rejects.toThrow(/simulated/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('readVaultHeader and unlockVaultHeader', () => {
  let headerJson: string;
  let masterKey: Uint8Array;
  beforeAll(async () => {
    ({ headerJson, masterKey } = await createVaultHeader(PASS, FAST));
  });

  async function vaultWithMain(main: string | null): Promise<string> {
    const dir = await freshDir();
    await writeVaultHeader(dir, headerJson);
    if (main === null) await rm(path.join(dir, HEADER_FILE));
    else await writeFile(path.join(dir, HEADER_FILE), main);
    return dir;
  }

  const damagedMains: Array<[string, (header: string) => string | null]> = [
    ['deleted', () => null],
    ['emptied', () => ''],
    ['not JSON', (header) => header.slice(0, 40)],
    ['demanding 2 GiB of scrypt memory', greedyKdf],
  ];

  it.each(damagedMains)('falls back to the backup when vault.json is %s', async (_what, damage) => {
    const dir = await vaultWithMain(damage(headerJson));
    const read = await readVaultHeader(dir);
    expect(read).toEqual({ headerJson, source: 'backup' });
    const unlocked = await unlockVaultHeader(dir, PASS);
    expect(unlocked.source).toBe('backup');
    expect(Buffer.from(unlocked.masterKey)).toEqual(Buffer.from(masterKey));
  });

  it('prefers vault.json when it is intact', async () => {
    const dir = await vaultWithMain(headerJson);
    expect(await readVaultHeader(dir)).toEqual({ headerJson, source: 'main' });
    const unlocked = await unlockVaultHeader(dir, PASS);
    expect(unlocked).toMatchObject({ source: 'main', otherCopyStale: false });
  });

  it('unlocks from the backup when one byte of the wrapped key in vault.json is flipped', async () => {
    const dir = await vaultWithMain(flipWrappedKeyByte(headerJson));
    // Structurally fine, so only authentication can tell:
    expect((await readVaultHeader(dir)).source).toBe('main');
    const unlocked = await unlockVaultHeader(dir, PASS);
    expect(unlocked.source).toBe('backup');
    expect(unlocked.headerJson).toBe(headerJson);
    expect(Buffer.from(unlocked.masterKey)).toEqual(Buffer.from(masterKey));
  });

  it('a wrong passphrase on both copies is the usual WrongPassphraseError', async () => {
    const dir = await vaultWithMain(flipWrappedKeyByte(headerJson));
    await expect(unlockVaultHeader(dir, 'not the passphrase')).rejects.toThrow(
      WrongPassphraseError,
    );
  });

  it('with both copies damaged, the error names the folder and both causes', async () => {
    const dir = await vaultWithMain('');
    await writeFile(path.join(dir, HEADER_BACKUP_FILE), '{');
    for (const attempt of [() => readVaultHeader(dir), () => unlockVaultHeader(dir, PASS)]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VaultError);
      expect((error as Error).message).toBe(
        `${dir}: no usable vault header: ${HEADER_FILE} is empty; ` +
          `${HEADER_BACKUP_FILE} vault header is not valid JSON (corrupt or tampered)`,
      );
    }
  });

  it('names both when both parse but neither authenticates for a reason other than the passphrase', async () => {
    const dir = await vaultWithMain(flipWrappedKeyByte(headerJson));
    const macless = JSON.parse(headerJson) as { createdAt: string };
    macless.createdAt = '2001-01-01T00:00:00.000Z';
    await writeFile(path.join(dir, HEADER_BACKUP_FILE), JSON.stringify(macless));
    await expect(unlockVaultHeader(dir, PASS)).rejects.toThrow(
      new RegExp(
        `${HEADER_FILE} does not open: wrong passphrase.*; ` +
          `${HEADER_BACKUP_FILE} does not open: vault header failed its integrity check`,
      ),
    );
  });

  it('still says "not a SealSight vault" when neither copy exists', async () => {
    const dir = await freshDir();
    await expect(readVaultHeader(dir)).rejects.toThrow(
      `${dir}: not a SealSight vault (no vault.json)`,
    );
  });

  it('refuses a symlinked vault.json instead of following it', async () => {
    const dir = await vaultWithMain(null);
    await symlink(path.join(dir, HEADER_BACKUP_FILE), path.join(dir, HEADER_FILE));
    await expect(readVaultHeader(dir)).rejects.toThrow(/vault\.json is a symbolic link/);
    await expect(unlockVaultHeader(dir, PASS)).rejects.toThrow(/vault\.json is a symbolic link/);
  });

  it('does not fall back past a header from a newer SealSight', async () => {
    const newer = JSON.parse(headerJson) as { version: number };
    newer.version = 2;
    const dir = await vaultWithMain(JSON.stringify(newer));
    await expect(readVaultHeader(dir)).rejects.toThrow(UnsupportedVaultVersionError);
    await expect(unlockVaultHeader(dir, PASS)).rejects.toThrow(UnsupportedVaultVersionError);
  });

  it('settleVaultHeader restores vault.json, and says so when it cannot', async () => {
    const dir = await vaultWithMain('');
    const unlocked = await unlockVaultHeader(dir, PASS);
    const failing: HeaderFileIo = {
      open,
      rename: async () => {
        throw new Error('EROFS: read-only file system');
      },
    };
    await expect(settleVaultHeader(dir, unlocked, failing)).rejects.toThrow(
      /unlocked from vault\.json\.bak but could not restore vault\.json \(EROFS/,
    );
    await settleVaultHeader(dir, unlocked);
    expect(await readFile(path.join(dir, HEADER_FILE), 'utf8')).toBe(headerJson);
  });
});

/** Same header, with a KDF that would need 2 GiB: refused structurally, before any scrypt. */
function greedyKdf(headerJson: string): string {
  const h = JSON.parse(headerJson) as { kdf: { logN: number; r: number } };
  h.kdf.logN = 20;
  h.kdf.r = 16;
  return JSON.stringify(h);
}

describe('openVault with a damaged vault.json', () => {
  let pristine: string;
  beforeAll(async () => {
    pristine = path.join(root, 'pristine');
    await initVault(pristine, PASS, FAST);
  });

  async function copyOfVault(): Promise<string> {
    const dir = path.join(root, `vault-${++counter}`);
    await cp(pristine, dir, { recursive: true });
    return dir;
  }

  it('initVault makes an owner-only folder with both header copies', async () => {
    const files = await readdir(pristine);
    expect(files).toContain(HEADER_FILE);
    expect(files).toContain(HEADER_BACKUP_FILE);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const main = await readFile(path.join(pristine, HEADER_FILE));
    expect(Buffer.compare(await readFile(path.join(pristine, HEADER_BACKUP_FILE)), main)).toBe(0);
    if (POSIX) {
      expect((await lstat(pristine)).mode & 0o777).toBe(0o700);
      expect((await lstat(path.join(pristine, HEADER_FILE))).mode & 0o777).toBe(0o600);
    }
  });

  it.each([
    ['emptied', (file: string) => writeFile(file, '')],
    ['deleted', (file: string) => rm(file)],
    [
      'flipped in one byte of its wrapped key',
      async (file: string) => writeFile(file, flipWrappedKeyByte(await readFile(file, 'utf8'))),
    ],
  ])('unlocks from the backup when vault.json is %s, and restores it', async (_what, damage) => {
    const dir = await copyOfVault();
    const backup = await readFile(path.join(dir, HEADER_BACKUP_FILE));
    await damage(path.join(dir, HEADER_FILE));
    const vault = await openVault(dir, PASS);
    try {
      expect(vault.headerSource).toBe('backup');
    } finally {
      vault.close();
    }
    expect(Buffer.compare(await readFile(path.join(dir, HEADER_FILE)), backup)).toBe(0);
    const again = await openVault(dir, PASS);
    expect(again.headerSource).toBe('main');
    again.close();
  });

  it('gives a vault made before backups existed its backup on the next unlock', async () => {
    const dir = await copyOfVault();
    await rm(path.join(dir, HEADER_BACKUP_FILE));
    const vault = await openVault(dir, PASS);
    expect(vault.headerSource).toBe('main');
    vault.close();
    expect(await readFile(path.join(dir, HEADER_BACKUP_FILE), 'utf8')).toBe(
      await readFile(path.join(dir, HEADER_FILE), 'utf8'),
    );
  });

  it('writes nothing on a wrong passphrase, even with a damaged vault.json', async () => {
    const dir = await copyOfVault();
    await writeFile(path.join(dir, HEADER_FILE), '');
    await expect(openVault(dir, 'not the passphrase')).rejects.toThrow(WrongPassphraseError);
    expect(await readFile(path.join(dir, HEADER_FILE), 'utf8')).toBe('');
  });

  it('never lets a header from another vault overwrite the good copy', async () => {
    const dir = await copyOfVault();
    const good = await readFile(path.join(dir, HEADER_BACKUP_FILE), 'utf8');
    const { headerJson: stranger } = await createVaultHeader(PASS, FAST);
    await writeFile(path.join(dir, HEADER_FILE), stranger);
    await expect(openVault(dir, PASS)).rejects.toThrow(/belongs to another vault/);
    expect(await readFile(path.join(dir, HEADER_BACKUP_FILE), 'utf8')).toBe(good);
  });

  it.skipIf(!POSIX)('sets 0700 on an existing empty folder it is given', async () => {
    const dir = await freshDir();
    await chmod(dir, 0o755);
    await initVault(dir, PASS, FAST);
    expect((await lstat(dir)).mode & 0o777).toBe(0o700);
  });
});
