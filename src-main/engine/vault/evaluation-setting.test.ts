// The vault's evaluation setting on a real vault: it round-trips and survives a reopen, the
// broker password is stored only sealed (no file of the vault holds it or its hex), it is
// kept, replaced and cleared on request, a wrong setting is refused by what is wrong (and
// never quoting a password), and a stored setting altered in the catalogue — its value, its
// password, a password put back from an earlier write, a missing one — fails on read and in
// verify. A vault of the previous schema gains the settings table on unlock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBrokerUrl } from '../farm/broker-url.ts';
import {
  EvaluationSettingError,
  farmBrokerUrl,
  readEvaluationSetting,
  writeEvaluationSetting,
} from './evaluation-setting.ts';
import { LATEST_SCHEMA_VERSION } from './migrations/index.ts';
import { initVault, openVault } from './vault.ts';
import type { UnlockedVault } from './vault.ts';
import { verifyVault } from './verify-vault.ts';
import { readSetting } from './vault-settings.ts';
import { makeTempDir } from '../../../test/helpers/fixtures.ts';
import { withCatalogueFile } from '../../../test/helpers/catalogue-file.ts';
import type { CatalogueFile } from '../../../test/helpers/catalogue-file.ts';

const PASS = 'evaluation setting passphrase';
const PASSWORD = 'Zebra-farm-pa55word-7731';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let vaultDir: string;
let vault: UnlockedVault;

async function reopen(): Promise<void> {
  vault.close();
  vault = await openVault(vaultDir, PASS);
}

async function vaultBytes(): Promise<Buffer[]> {
  const files = await readdir(vaultDir, { recursive: true, withFileTypes: true });
  return Promise.all(
    files.filter((f) => f.isFile()).map((f) => readFile(path.join(f.parentPath, f.name))),
  );
}

/** The vault's catalogue file, as whoever holds the folder edits it. */
const onDisk = <T>(fn: (db: CatalogueFile) => T): T => withCatalogueFile(vaultDir, fn);

type Row = { value: Buffer; secret: Buffer | null };
const row = () =>
  onDisk(
    (db) =>
      db.prepare("SELECT value, secret FROM vault_settings WHERE name = 'evaluation'").get() as Row,
  );
const setRow = (fields: Partial<Row>) =>
  onDisk((db) => {
    for (const [column, blob] of Object.entries(fields))
      db.prepare(`UPDATE vault_settings SET ${column} = ? WHERE name = 'evaluation'`).run(blob);
  });
const flipped = (blob: Buffer) => {
  const copy = Buffer.from(blob);
  copy[copy.length - 5]! ^= 0x01;
  return copy;
};
const settingProblems = () => verifyVault(vault).problems.filter((p) => p.item === 'setting');

beforeAll(async () => {
  tmp = await makeTempDir();
  vaultDir = path.join(tmp.dir, 'vault');
  await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
  vault = await openVault(vaultDir, PASS);
});
afterAll(async () => {
  vault?.close();
  await tmp?.cleanup();
});

describe('evaluation setting', () => {
  it('is this computer until set, then round-trips a farm through a reopen', async () => {
    expect(readEvaluationSetting(vault)).toEqual({ kind: 'local' });
    expect(farmBrokerUrl(vault)).toBeNull();
    const written = writeEvaluationSetting(vault, {
      kind: 'farm',
      broker: ' redis://127.0.0.1:6390 ',
      password: { set: PASSWORD },
    });
    // Stored in one spelling, without credentials.
    const farm = { kind: 'farm', broker: 'redis://127.0.0.1:6390', hasPassword: true };
    expect(written).toEqual(farm);
    await reopen();
    expect(readEvaluationSetting(vault)).toEqual(farm);
    const url = farmBrokerUrl(vault)!;
    expect(parseBrokerUrl(url)).toMatchObject({
      host: '127.0.0.1',
      port: 6390,
      password: PASSWORD,
    });
    expect(settingProblems()).toEqual([]);
  });

  it('stores the password only sealed: no vault file holds it or its hex', async () => {
    const needles = [
      Buffer.from(PASSWORD, 'utf8'),
      Buffer.from(Buffer.from(PASSWORD).toString('hex')),
      Buffer.from(Buffer.from(PASSWORD).toString('hex').toUpperCase()),
      Buffer.from(Buffer.from(PASSWORD).toString('base64')),
    ];
    // While open (the WAL holds the last writes) and after close (folded into the main file).
    for (const phase of ['open', 'closed']) {
      if (phase === 'closed') vault.close();
      const files = await vaultBytes();
      expect(files.length).toBeGreaterThanOrEqual(2);
      for (const bytes of files)
        for (const needle of needles) expect(bytes.includes(needle), phase).toBe(false);
    }
    vault = await openVault(vaultDir, PASS);
  });

  it('keeps the password when only the broker changes, replaces and clears it on request', () => {
    expect(
      writeEvaluationSetting(vault, {
        kind: 'farm',
        broker: 'redis://farm.example:7000/2',
        password: 'keep',
      }),
    ).toEqual({ kind: 'farm', broker: 'redis://farm.example:7000/2', hasPassword: true });
    expect(parseBrokerUrl(farmBrokerUrl(vault)!).password).toBe(PASSWORD);
    writeEvaluationSetting(vault, {
      kind: 'farm',
      broker: 'redis://farm.example:7000/2',
      password: { set: 'another one' },
    });
    expect(parseBrokerUrl(farmBrokerUrl(vault)!).password).toBe('another one');
    expect(
      writeEvaluationSetting(vault, {
        kind: 'farm',
        broker: 'rediss://farm.example',
        password: 'clear',
      }),
    ).toEqual({ kind: 'farm', broker: 'rediss://farm.example:6379', hasPassword: false });
    expect(farmBrokerUrl(vault)).toBe('rediss://farm.example:6379');
    expect(writeEvaluationSetting(vault, { kind: 'local' })).toEqual({ kind: 'local' });
    expect(onDisk((db) => db.prepare('SELECT count(*) FROM vault_settings').pluck().get())).toBe(0);
    expect(farmBrokerUrl(vault)).toBeNull();
  });

  it('refuses a wrong setting by what is wrong, never quoting a password, and keeps the old one', () => {
    const farm = { kind: 'farm', broker: 'redis://127.0.0.1:6390', hasPassword: false } as const;
    writeEvaluationSetting(vault, { kind: 'farm', broker: farm.broker, password: 'clear' });
    const refused = (broker: string, password: 'keep' | { set: string } = 'keep') => {
      try {
        writeEvaluationSetting(vault, { kind: 'farm', broker, password });
      } catch (error) {
        expect(error).toBeInstanceOf(EvaluationSettingError);
        return (error as Error).message;
      }
      throw new Error(`${broker} was accepted`);
    };
    expect(refused('http://127.0.0.1:6379')).toMatch(/must start with redis:\/\//);
    expect(refused('redis://127.0.0.1:70000')).toMatch(/port must be between 1 and 65535/);
    expect(refused('redis://')).toMatch(/no host/);
    const inUrl = refused('redis://:hunter2-secret@127.0.0.1:6379');
    expect(inUrl).toMatch(/leave the credentials out of the URL/);
    expect(inUrl).not.toContain('hunter2-secret');
    expect(refused(farm.broker, { set: '' })).toMatch(/password is empty/);
    expect(refused(farm.broker, { set: 'x'.repeat(1025) })).toMatch(/longer than 1024/);
    expect(readEvaluationSetting(vault)).toEqual(farm);
  });

  it('detects a stored setting altered in the catalogue, on read and in verify', () => {
    writeEvaluationSetting(vault, {
      kind: 'farm',
      broker: 'redis://127.0.0.1:6390',
      password: { set: PASSWORD },
    });
    const earlier = row();
    writeEvaluationSetting(vault, {
      kind: 'farm',
      broker: 'redis://127.0.0.1:6390',
      password: { set: 'a newer password' },
    });
    const good = row();
    const cases: Array<[string, Partial<Row>, RegExp]> = [
      [
        'a flipped value',
        { value: flipped(good.value) },
        /integrity check failed for the vault's evaluation setting:/,
      ],
      ['a flipped password', { secret: flipped(good.secret!) }, /evaluation setting's password/],
      ['an earlier password put back', { secret: earlier.secret }, /evaluation setting's password/],
      ['a removed password', { secret: null }, /names a broker password that is not stored/],
    ];
    for (const [what, tamper, reason] of cases) {
      setRow(tamper);
      expect(() => readEvaluationSetting(vault), what).toThrow(reason);
      expect(() => farmBrokerUrl(vault), what).toThrow(reason);
      const problems = settingProblems();
      expect(problems, what).toHaveLength(1);
      expect(problems[0]).toMatchObject({ image: 'setting evaluation' });
      expect(problems[0]!.reason, what).toMatch(reason);
      setRow(good);
      expect(readEvaluationSetting(vault), what).toMatchObject({ hasPassword: true });
    }
    // A row under a name this SealSight does not store is reported, not trusted.
    onDisk((db) =>
      db
        .prepare(
          "INSERT INTO vault_settings SELECT 'other', updated_at, value, secret FROM vault_settings",
        )
        .run(),
    );
    expect(settingProblems()).toEqual([
      expect.objectContaining({
        image: 'setting other',
        reason: 'not a setting this SealSight stores',
      }),
    ]);
    // Its value is bound to the name it was written under: under another name it does not open.
    expect(() => readSetting(vault, 'other')).toThrow(
      /integrity check failed for the vault's other setting/,
    );
    onDisk((db) => db.prepare("DELETE FROM vault_settings WHERE name = 'other'").run());
  });

  it('adds the settings table when a vault of the previous schema unlocks', async () => {
    onDisk((db) => {
      db.exec('DROP TABLE vault_settings');
      db.pragma(`user_version = ${LATEST_SCHEMA_VERSION - 1}`);
    });
    await reopen();
    expect(onDisk((db) => db.pragma('user_version', { simple: true }))).toBe(LATEST_SCHEMA_VERSION);
    expect(readEvaluationSetting(vault)).toEqual({ kind: 'local' });
  });
});
