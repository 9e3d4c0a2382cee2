// The ckks_keysets table: one row per CKKS key set. The public, relinearisation and Galois
// keys are public by design (an evaluator is given them) and MAC'd as one (keyset-mac.ts);
// the secret key is stored only wrapped. The vault authenticates a row before using it.
import type { SqlReads, SqlWrites } from './sql.ts';

/** A key set's evaluation keys and MAC, as stored (the step list still JSON text). */
export interface KeysetRow {
  readonly id: number;
  readonly presetId: string;
  readonly publicKey: Buffer;
  readonly relinKeys: Buffer;
  readonly galoisKeys: Buffer | null;
  readonly galoisSteps: string;
  readonly mac: Buffer | null;
}

export interface WrappedSecretRow {
  readonly presetId: string;
  readonly secretKeyWrapped: Buffer;
}

/** A new key set: its evaluation keys, wrapped secret key and MAC. */
export interface NewKeyset {
  readonly id: number;
  readonly presetId: string;
  readonly publicKey: Uint8Array;
  readonly relinKeys: Uint8Array;
  readonly galoisKeys: Uint8Array | null;
  readonly galoisSteps: readonly number[];
  readonly secretKeyWrapped: Uint8Array;
  readonly mac: Uint8Array;
}

export interface KeysetReads {
  /** Every key set's id, oldest first. */
  ids(): number[];
  /** The newest key set's id; null when there is none. */
  newestId(): number | null;
  byId(id: number): KeysetRow | undefined;
  wrappedSecret(id: number): WrappedSecretRow | undefined;
}

export interface KeysetWrites {
  /** Stores a key set, created now. */
  insert(keyset: NewKeyset): void;
  /** Replaces a key set's Galois keys and step list, with the MAC over the new whole. */
  setGaloisKeys(
    id: number,
    galoisKeys: Uint8Array,
    steps: readonly number[],
    mac: Uint8Array,
  ): void;
}

export function keysetReads(sql: SqlReads): KeysetReads {
  return {
    ids: () => sql.values<number>('SELECT id FROM ckks_keysets ORDER BY id'),
    newestId: () => sql.value<number | null>('SELECT max(id) FROM ckks_keysets') ?? null,
    byId: (id) => {
      const row = sql.get<{
        id: number;
        preset_id: string;
        public_key: Buffer;
        relin_keys: Buffer;
        galois_keys: Buffer | null;
        galois_steps: string;
        mac: Buffer | null;
      }>(
        'SELECT id, preset_id, public_key, relin_keys, galois_keys, galois_steps, mac FROM ckks_keysets WHERE id = ?',
        id,
      );
      return (
        row && {
          id: row.id,
          presetId: row.preset_id,
          publicKey: row.public_key,
          relinKeys: row.relin_keys,
          galoisKeys: row.galois_keys,
          galoisSteps: row.galois_steps,
          mac: row.mac,
        }
      );
    },
    wrappedSecret: (id) => {
      const row = sql.get<{ preset_id: string; secret_key_wrapped: Buffer }>(
        'SELECT preset_id, secret_key_wrapped FROM ckks_keysets WHERE id = ?',
        id,
      );
      return row && { presetId: row.preset_id, secretKeyWrapped: row.secret_key_wrapped };
    },
  };
}

export function keysetWrites(sql: SqlWrites): KeysetWrites {
  return {
    insert: (keyset) => {
      sql.run(
        `INSERT INTO ckks_keysets (id, preset_id, public_key, relin_keys, galois_keys, galois_steps,
           secret_key_wrapped, created_at, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        keyset.id,
        keyset.presetId,
        keyset.publicKey,
        keyset.relinKeys,
        keyset.galoisKeys,
        JSON.stringify(keyset.galoisSteps),
        keyset.secretKeyWrapped,
        new Date().toISOString(),
        keyset.mac,
      );
    },
    setGaloisKeys: (id, galoisKeys, steps, mac) => {
      sql.run(
        'UPDATE ckks_keysets SET galois_keys = ?, galois_steps = ?, mac = ? WHERE id = ?',
        galoisKeys,
        JSON.stringify(steps),
        mac,
        id,
      );
    },
  };
}
