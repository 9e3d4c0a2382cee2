// Where the vault's encrypted classification runs: on this computer's evaluation threads, or
// on an evaluation farm reached through a Redis broker. The setting belongs to the vault
// (stored sealed in vault_settings, vault-settings.ts), because it decides where the vault's
// ciphertexts and evaluation keys go. The broker URL is stored without credentials; the
// broker's password is stored only as the setting's sealed secret, and only the key holder
// reads it back (farmBrokerUrl, to connect). What the rest of the app gets — and so what can
// reach the renderer — is readEvaluationSetting's answer: the broker and whether a password
// is set, never the password.
import { z } from 'zod';
import {
  BrokerUrlError,
  brokerUrlWith,
  describeBroker,
  describeBrokerOptions,
  parseBrokerUrl,
} from '../farm/broker-url.ts';
import { deleteSetting, readSetting, writeSetting } from './vault-settings.ts';
import type { UnlockedVault } from './vault.ts';

export const EVALUATION_SETTING = 'evaluation';

/** What anyone may see of the setting. */
export type EvaluationSetting =
  | { readonly kind: 'local' }
  | { readonly kind: 'farm'; readonly broker: string; readonly hasPassword: boolean };

/** A password change: keep the stored one, clear it, or set a new one. */
export type BrokerPasswordChange = 'keep' | 'clear' | { readonly set: string };

export type EvaluationSettingChange =
  | { readonly kind: 'local' }
  | { readonly kind: 'farm'; readonly broker: string; readonly password: BrokerPasswordChange };

/** A setting that cannot be stored: the message says what to change (never the password). */
export class EvaluationSettingError extends Error {
  override name = 'EvaluationSettingError';
}

export const MAX_BROKER_PASSWORD_LENGTH = 1024;

/** The sealed value's shape. `password` says whether a secret must be stored beside it. */
const StoredFarmSchema = z.strictObject({
  kind: z.literal('farm'),
  broker: z.string(),
  password: z.boolean(),
});

/**
 * The broker as stored: parsed, without credentials, in one spelling (redis://host:port[/db]).
 * A URL with a password in it is refused: the password goes in its own field, so the stored
 * URL (which the renderer sees) never holds one.
 */
export function normalBrokerUrl(raw: string): string {
  let options: ReturnType<typeof parseBrokerUrl>;
  try {
    options = parseBrokerUrl(raw);
  } catch (error) {
    if (error instanceof BrokerUrlError) throw new EvaluationSettingError(error.message);
    throw error;
  }
  if (options.password !== undefined || options.username !== undefined)
    throw new EvaluationSettingError(
      `broker URL ${describeBroker(raw)}: leave the credentials out of the URL and give the password in its own field`,
    );
  return describeBrokerOptions(options);
}

/** The setting, authenticated; 'local' when the vault has none stored. Throws if it was altered. */
export function readEvaluationSetting(vault: UnlockedVault): EvaluationSetting {
  const stored = openStored(vault);
  if (!stored) return { kind: 'local' };
  stored.secret?.fill(0);
  return { kind: 'farm', broker: stored.broker, hasPassword: stored.secret !== null };
}

/** Stores a change and returns the setting as it now is. A wrong setting is refused, by what is wrong. */
export function writeEvaluationSetting(
  vault: UnlockedVault,
  change: EvaluationSettingChange,
): EvaluationSetting {
  if (change.kind === 'local') {
    // Nothing of the farm is kept, so its password does not linger in the vault unused.
    deleteSetting(vault, EVALUATION_SETTING);
    return { kind: 'local' };
  }
  const broker = normalBrokerUrl(change.broker);
  let secret: Uint8Array | null = null;
  if (typeof change.password === 'object') {
    const password = change.password.set;
    if (password.length === 0)
      throw new EvaluationSettingError('the broker password is empty: clear it instead');
    if (password.length > MAX_BROKER_PASSWORD_LENGTH)
      throw new EvaluationSettingError(
        `the broker password is longer than ${MAX_BROKER_PASSWORD_LENGTH} characters`,
      );
    secret = new TextEncoder().encode(password);
  }
  // One transaction: the password kept is the one stored beside the value it replaces.
  vault.catalogue.write(() => {
    if (change.password === 'keep') secret = openStored(vault)?.secret ?? null;
    const value = { kind: 'farm', broker, password: secret !== null };
    writeSetting(
      vault,
      EVALUATION_SETTING,
      new TextEncoder().encode(JSON.stringify(value)),
      secret,
    );
  });
  (secret as Uint8Array | null)?.fill(0);
  return readEvaluationSetting(vault);
}

/**
 * Key holder only: the broker URL with the password put in, to connect with; null when the
 * vault evaluates on this computer. Never hand its answer to the renderer or a log (name the
 * broker with describeBroker).
 */
export function farmBrokerUrl(vault: UnlockedVault): string | null {
  const stored = openStored(vault);
  if (!stored) return null;
  if (stored.secret === null) return stored.broker;
  try {
    return brokerUrlWith(stored.broker, { password: new TextDecoder().decode(stored.secret) });
  } finally {
    stored.secret.fill(0);
  }
}

/** The stored farm setting, authenticated and checked for the shape its readers rely on. */
function openStored(vault: UnlockedVault): { broker: string; secret: Uint8Array | null } | null {
  const opened = readSetting(vault, EVALUATION_SETTING);
  if (!opened) return null;
  const fail = (why: string): never => {
    opened.secret?.fill(0);
    throw new Error(`the vault's evaluation setting ${why}`);
  };
  let parsed: z.infer<typeof StoredFarmSchema> | undefined;
  try {
    parsed = StoredFarmSchema.parse(JSON.parse(new TextDecoder().decode(opened.value)));
  } catch {
    return fail('is not a setting this SealSight understands');
  }
  if (parsed.password !== (opened.secret !== null))
    fail(
      parsed.password
        ? 'names a broker password that is not stored'
        : 'has a password it does not name',
    );
  try {
    if (normalBrokerUrl(parsed.broker) !== parsed.broker) fail('holds a broker URL not as stored');
  } catch (error) {
    if (error instanceof EvaluationSettingError) fail(`holds a broker URL that is not valid`);
    throw error;
  }
  return { broker: parsed.broker, secret: opened.secret };
}
