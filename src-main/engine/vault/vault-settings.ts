// The vault's settings table (schema v8): one row per setting name, its value sealed under
// the vault's settings subkey and bound to the vault and the name, and an optional secret
// (a broker password) sealed apart, bound to the digest of the sealed value it was written
// with. So a value copied under another name, another vault's row, a secret moved between
// settings or an older secret put back under a newer value all fail authentication. This
// file knows nothing of what a setting means: evaluation-setting.ts gives one its meaning.
import { createHash } from 'node:crypto';
import { vaultSettingAad } from './item-aad.ts';
import type { UnlockedVault } from './vault.ts';

/** The settings this SealSight stores; any other name in the table is reported by verify. */
export const SETTING_NAMES = ['evaluation'] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

export interface OpenedSetting {
  /** The setting's value, authenticated. */
  readonly value: Uint8Array;
  /** Its secret, authenticated against this value; null when none is stored. Zero it after use. */
  readonly secret: Uint8Array | null;
}

const describe = (name: string) => `the vault's ${name} setting`;

function secretAad(vault: UnlockedVault, name: string, sealedValue: Uint8Array): string {
  const digest = createHash('sha256').update(sealedValue).digest('hex');
  return vaultSettingAad(vault.vaultId, name, `secret:${digest}`);
}

/** Opens a stored setting (value and secret); null when the vault has none of that name. */
export function readSetting(vault: UnlockedVault, name: string): OpenedSetting | null {
  const row = vault.catalogue.read.settings.byName(name);
  if (!row) return null;
  const what = describe(name);
  const value = vault.openSettingItem(
    row.value,
    vaultSettingAad(vault.vaultId, name, 'value'),
    what,
  );
  const secret =
    row.secret === null
      ? null
      : vault.openSettingItem(row.secret, secretAad(vault, name, row.value), `${what}'s password`);
  return { value, secret };
}

/** Stores a setting (replacing any earlier one of that name), sealed; the caller wipes `secret`. */
export function writeSetting(
  vault: UnlockedVault,
  name: SettingName,
  value: Uint8Array,
  secret: Uint8Array | null,
): void {
  const what = describe(name);
  const sealedValue = vault.sealSettingItem(
    value,
    vaultSettingAad(vault.vaultId, name, 'value'),
    what,
  );
  const sealedSecret =
    secret === null
      ? null
      : vault.sealSettingItem(secret, secretAad(vault, name, sealedValue), `${what}'s password`);
  vault.catalogue.write((tx) => tx.settings.put(name, sealedValue, sealedSecret));
}

export function deleteSetting(vault: UnlockedVault, name: SettingName): void {
  vault.catalogue.write((tx) => tx.settings.delete(name));
}

/** Names of every stored setting, for verify. */
export function storedSettingNames(vault: UnlockedVault): string[] {
  return vault.catalogue.read.settings.names();
}
