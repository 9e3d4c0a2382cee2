import { scrypt } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  HeaderTamperedError,
  UnsupportedVaultVersionError,
  VaultCryptoError,
  WrongPassphraseError,
} from './errors.ts';
import {
  VAULT_FORMAT,
  VAULT_HEADER_VERSION,
  changePassphrase,
  createVaultHeader,
  openVaultHeader,
  readVaultHeaderUnverified,
} from './vault-header.ts';

// scrypt itself, wrapped so tests can prove that a refused header never reaches it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>();
  return { ...actual, scrypt: vi.fn(actual.scrypt) };
});

// Distinctive, so a leak into any message or file is unmistakable.
const PASSPHRASE = 'correct horse battery staple ✓ 1729';
const FAST = { kdf: { logN: 14 } };

const TYPED_ERRORS = [HeaderTamperedError, WrongPassphraseError, UnsupportedVaultVersionError];

async function openError(headerJson: string, passphrase = PASSPHRASE): Promise<unknown> {
  try {
    await openVaultHeader(headerJson, passphrase);
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Parse, edit, re-serialise: for structural edits that keep the JSON valid. */
function edit(headerJson: string, change: (h: Record<string, unknown>) => void): string {
  const h = JSON.parse(headerJson) as Record<string, unknown>;
  change(h);
  return JSON.stringify(h);
}

/** A different character of the same kind, so the JSON usually stays parseable. */
function mutateChar(c: string): string {
  for (const run of ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ']) {
    const i = run.indexOf(c);
    if (i >= 0) return run[(i + 1) % run.length]!;
  }
  const swaps: Record<string, string> = {
    '+': '/',
    '/': '+',
    '=': 'A',
    '"': "'",
    ':': ';',
    ',': ';',
    '{': '[',
    '}': ']',
    '-': '_',
    '.': ',',
  };
  return swaps[c] ?? 'x';
}

function expectNoSecretIn(text: string, masterKey?: Uint8Array): void {
  expect(text).not.toContain(PASSPHRASE);
  if (masterKey) {
    expect(text).not.toContain(Buffer.from(masterKey).toString('hex'));
    expect(text).not.toContain(Buffer.from(masterKey).toString('base64'));
  }
}

describe('vault header', () => {
  let headerJson: string;
  let masterKey: Uint8Array;

  beforeAll(async () => {
    ({ headerJson, masterKey } = await createVaultHeader(PASSPHRASE, FAST));
  });

  it('round-trips: the passphrase opens the header and yields the same master key', async () => {
    expect(masterKey.byteLength).toBe(32);
    const opened = await openVaultHeader(headerJson, PASSPHRASE);
    expect(Buffer.from(opened)).toEqual(Buffer.from(masterKey));
  });

  it('has exactly the documented fields, as compact JSON', () => {
    const h = JSON.parse(headerJson) as Record<string, unknown>;
    expect(Object.keys(h)).toEqual([
      'format',
      'version',
      'vaultId',
      'createdAt',
      'kdf',
      'wrappedMasterKey',
      'mac',
    ]);
    expect(h.format).toBe(VAULT_FORMAT);
    expect(h.version).toBe(VAULT_HEADER_VERSION);
    expect(h.vaultId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Date(h.createdAt as string).toISOString()).toBe(h.createdAt);
    expect(h.kdf).toMatchObject({ alg: 'scrypt', logN: 14, r: 8, p: 1 });
    expect(Buffer.from(h.wrappedMasterKey as string, 'base64').byteLength).toBe(1 + 12 + 32 + 16);
    expect(Buffer.from(h.mac as string, 'base64').byteLength).toBe(32);
    expect(headerJson).toBe(JSON.stringify(h));
    expect(headerJson).not.toMatch(/\s/);
  });

  it('uses the default 128 MiB scrypt cost when none is given', async () => {
    const { headerJson: h, masterKey: k } = await createVaultHeader(PASSPHRASE);
    expect(readVaultHeaderUnverified(h).kdf).toMatchObject({ logN: 17, r: 8, p: 1 });
    k.fill(0);
  });

  it('gives every vault its own id, salt and master key', async () => {
    const other = await createVaultHeader(PASSPHRASE, FAST);
    const a = readVaultHeaderUnverified(headerJson);
    const b = readVaultHeaderUnverified(other.headerJson);
    expect(a.vaultId).not.toBe(b.vaultId);
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(Buffer.from(other.masterKey)).not.toEqual(Buffer.from(masterKey));
  });

  it('opens after harmless reformatting, because the MAC covers values, not bytes', async () => {
    const pretty = `${JSON.stringify(JSON.parse(headerJson), null, 2)}\n`;
    expect(Buffer.from(await openVaultHeader(pretty, PASSPHRASE))).toEqual(Buffer.from(masterKey));
  });

  it('accepts the passphrase in any Unicode normal form', async () => {
    const { headerJson: h, masterKey: k } = await createVaultHeader('caf\u00e9 au lait', FAST);
    expect(Buffer.from(await openVaultHeader(h, 'cafe\u0301 au lait'))).toEqual(Buffer.from(k));
  });

  it('refuses an empty passphrase at creation', async () => {
    await expect(createVaultHeader('', FAST)).rejects.toThrow(RangeError);
  });

  describe('failures', () => {
    it('wrong passphrase -> WrongPassphraseError', async () => {
      const err = await openError(headerJson, 'correct horse battery staple ✓ 1728');
      expect(err).toBeInstanceOf(WrongPassphraseError);
      expect((err as Error).message).toBe('wrong passphrase (or the header was tampered with)');
    });

    it('never opens when any single character of the header is changed', async () => {
      const positions = [...headerJson].map((_c, i) => i);
      const outcomes = await Promise.all(
        positions.map(async (i) => {
          const mutated =
            headerJson.slice(0, i) + mutateChar(headerJson[i]!) + headerJson.slice(i + 1);
          expect(mutated).not.toBe(headerJson);
          return { i, err: await openError(mutated) };
        }),
      );
      const counts = new Map<string, number>();
      for (const { i, err } of outcomes) {
        if (err === undefined) throw new Error(`header opened with position ${i} changed`);
        if (!TYPED_ERRORS.some((type) => err instanceof type)) {
          throw new Error(`position ${i} gave an untyped error: ${String(err)}`);
        }
        expectNoSecretIn(`${(err as Error).message}\n${(err as Error).stack}`, masterKey);
        const name = (err as Error).name;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      // Every layer of defence is exercised: structure, version, unwrap, MAC.
      expect(counts.get('HeaderTamperedError')).toBeGreaterThan(0);
      expect(counts.get('WrongPassphraseError')).toBeGreaterThan(0);
      expect(counts.get('UnsupportedVaultVersionError')).toBe(1);
    });

    it('version 0 is treated as a downgrade attempt', async () => {
      const err = await openError(edit(headerJson, (h) => (h.version = 0)));
      expect(err).toBeInstanceOf(HeaderTamperedError);
      expect((err as Error).message).toMatch(/downgrade/);
    });

    it('a newer version -> UnsupportedVaultVersionError', async () => {
      const err = await openError(edit(headerJson, (h) => (h.version = 2)));
      expect(err).toBeInstanceOf(UnsupportedVaultVersionError);
      expect((err as Error).message).toMatch(/written by a newer SealSight/);
    });

    it.each([
      ['a string version', (h: Record<string, unknown>) => (h.version = '1'), /not an integer/],
      ['another format', (h: Record<string, unknown>) => (h.format = 'x'), /not a SealSight/],
      ['an extra field', (h: Record<string, unknown>) => (h.note = 'hi'), /unknown field "note"/],
      ['a missing mac', (h: Record<string, unknown>) => delete h.mac, /missing the field "mac"/],
      ['a bad vaultId', (h: Record<string, unknown>) => (h.vaultId = 'ab'), /vaultId/],
      ['a bad createdAt', (h: Record<string, unknown>) => (h.createdAt = 'today'), /createdAt/],
      [
        'a short wrapped key',
        (h: Record<string, unknown>) => (h.wrappedMasterKey = 'AAAA'),
        /wrappedMasterKey has the wrong length/,
      ],
    ])('%s -> HeaderTamperedError', async (_label, change, message) => {
      const err = await openError(edit(headerJson, change));
      expect(err).toBeInstanceOf(HeaderTamperedError);
      expect((err as Error).message).toMatch(message);
    });

    it('kdf.logN 10 is refused with a clear error, before any key derivation', async () => {
      const err = await openError(edit(headerJson, (h) => ((h.kdf as { logN: number }).logN = 10)));
      expect(err).toBeInstanceOf(HeaderTamperedError);
      expect((err as Error).message).toBe(
        'vault header has unacceptable KDF parameters: scrypt logN must be an integer in ' +
          '14..20 (got 10) (corrupt or tampered)',
      );
    });

    it('memory-exploding kdf params are refused quickly', async () => {
      const started = Date.now();
      const err = await openError(
        edit(headerJson, (h) => Object.assign(h.kdf as object, { logN: 22, r: 32 })),
      );
      expect(err).toBeInstanceOf(HeaderTamperedError);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it.each([
      [
        '2 GiB of memory',
        { logN: 20, r: 16 },
        /scrypt memory \(128·r·2\^logN\) 2 GiB is above the 1 GiB limit/,
      ],
      ['4 GiB of memory', { logN: 20, r: 32 }, /scrypt memory .* 4 GiB is above the 1 GiB limit/],
      ['logN 21', { logN: 21 }, /scrypt logN must be an integer in 14\.\.20 \(got 21\)/],
      ['p 5', { p: 5 }, /scrypt p must be an integer in 1\.\.4 \(got 5\)/],
      ['p 16', { p: 16 }, /scrypt p must be an integer in 1\.\.4 \(got 16\)/],
    ])(
      'a header demanding %s is refused before any key derivation',
      async (_what, cost, message) => {
        vi.mocked(scrypt).mockClear();
        const err = await openError(edit(headerJson, (h) => Object.assign(h.kdf as object, cost)));
        expect(err).toBeInstanceOf(HeaderTamperedError);
        expect((err as Error).message).toMatch(/^vault header has unacceptable KDF parameters: /);
        expect((err as Error).message).toMatch(message);
        expect(scrypt).not.toHaveBeenCalled();
      },
    );

    it('other in-bounds kdf params break the unwrap', async () => {
      const err = await openError(edit(headerJson, (h) => ((h.kdf as { logN: number }).logN = 15)));
      expect(err).toBeInstanceOf(WrongPassphraseError);
    });

    it('an edited createdAt (valid, but not what was written) fails the MAC', async () => {
      const err = await openError(
        edit(headerJson, (h) => (h.createdAt = '2001-01-01T00:00:00.000Z')),
      );
      expect(err).toBeInstanceOf(HeaderTamperedError);
      expect((err as Error).message).toBe(
        'vault header failed its integrity check (corrupt or tampered)',
      );
    });

    it('a master key wrap transplanted from another vault does not open', async () => {
      const other = await createVaultHeader(PASSPHRASE, FAST);
      const donor = readVaultHeaderUnverified(other.headerJson);
      const err = await openError(
        edit(headerJson, (h) => (h.wrappedMasterKey = donor.wrappedMasterKey)),
      );
      expect(err).toBeInstanceOf(WrongPassphraseError);
    });

    it('unparseable JSON -> HeaderTamperedError with a clear message', async () => {
      for (const text of ['', '{', headerJson.slice(0, -1), 'null', '[]']) {
        const err = await openError(text);
        expect(err).toBeInstanceOf(HeaderTamperedError);
      }
      expect(((await openError('{')) as Error).message).toBe(
        'vault header is not valid JSON (corrupt or tampered)',
      );
    });
  });

  it('never puts the passphrase or master key in the header or in any error', async () => {
    expectNoSecretIn(headerJson, masterKey);
    const failures = [
      await openError(headerJson, `${PASSPHRASE}!`),
      await openError(edit(headerJson, (h) => (h.version = 0))),
      await openError(edit(headerJson, (h) => (h.version = 9))),
      await openError(edit(headerJson, (h) => ((h.kdf as { logN: number }).logN = 10))),
      await openError(edit(headerJson, (h) => (h.createdAt = '2001-01-01T00:00:00.000Z'))),
      await openError(`${headerJson}x`),
      await changePassphrase(headerJson, `${PASSPHRASE}?`, 'new').catch((e: unknown) => e),
      await changePassphrase(headerJson, PASSPHRASE, '').catch((e: unknown) => e),
    ];
    for (const err of failures) {
      expect(err).toBeInstanceOf(Error);
      const e = err as Error;
      expectNoSecretIn(`${e.message}\n${e.stack}\n${inspect(e)}\n${JSON.stringify(e)}`, masterKey);
    }
  });

  describe('changePassphrase', () => {
    it('re-wraps the same master key; the old passphrase stops working', async () => {
      const changed = await changePassphrase(headerJson, PASSPHRASE, 'a brand new passphrase');
      const before = readVaultHeaderUnverified(headerJson);
      const after = readVaultHeaderUnverified(changed);
      expect(after.vaultId).toBe(before.vaultId);
      expect(after.createdAt).toBe(before.createdAt);
      expect(after.kdf.salt).not.toBe(before.kdf.salt);
      expect(after.kdf).toMatchObject({ logN: 14, r: 8, p: 1 });
      expect(after.wrappedMasterKey).not.toBe(before.wrappedMasterKey);

      const opened = await openVaultHeader(changed, 'a brand new passphrase');
      expect(Buffer.from(opened)).toEqual(Buffer.from(masterKey));
      expect(await openError(changed, PASSPHRASE)).toBeInstanceOf(WrongPassphraseError);
    });

    it('can change the scrypt cost at the same time', async () => {
      const changed = await changePassphrase(headerJson, PASSPHRASE, 'next', { kdf: { logN: 15 } });
      expect(readVaultHeaderUnverified(changed).kdf.logN).toBe(15);
      expect(Buffer.from(await openVaultHeader(changed, 'next'))).toEqual(Buffer.from(masterKey));
    });

    it('requires the right old passphrase and a non-empty new one', async () => {
      await expect(changePassphrase(headerJson, 'nope', 'next')).rejects.toThrow(
        WrongPassphraseError,
      );
      await expect(changePassphrase(headerJson, PASSPHRASE, '')).rejects.toThrow(RangeError);
    });

    it('refuses a tampered header', async () => {
      const tampered = edit(headerJson, (h) => (h.createdAt = '2001-01-01T00:00:00.000Z'));
      await expect(changePassphrase(tampered, PASSPHRASE, 'next')).rejects.toThrow(
        HeaderTamperedError,
      );
    });
  });

  it('readVaultHeaderUnverified parses without a passphrase but still rejects junk', () => {
    expect(readVaultHeaderUnverified(headerJson).vaultId).toMatch(/^[0-9a-f]{32}$/);
    expect(() => readVaultHeaderUnverified('{}')).toThrow(VaultCryptoError);
  });
});
