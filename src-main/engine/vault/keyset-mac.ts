// The CKKS key set's MAC. Every rotation and relinearisation an evaluator performs goes
// through the public, relinearisation and Galois keys; crafted key-switching keys would
// steer every encrypted result (and have the key holder decrypt values an attacker
// chose). So the whole key set — its row id, preset, every key and the Galois step list —
// is MAC'd under the vault's CKKS MAC key, checked before any key reaches an evaluator,
// and recomputed in the same transaction that adds Galois keys. The key blobs enter as
// SHA-256 digests (75 MB of Galois keys hash once per read, ~0.2 s), the rest as a JSON
// array whose strings JSON escapes, so two different key sets never share an input.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { IntegrityError } from '../crypto/index.ts';

export interface KeysetFields {
  readonly id: number;
  readonly presetId: string;
  readonly publicKey: Uint8Array;
  readonly relinKeys: Uint8Array;
  readonly galoisKeys: Uint8Array | null;
  readonly galoisSteps: readonly number[];
}

const digest = (bytes: Uint8Array | null) =>
  bytes === null ? null : createHash('sha256').update(bytes).digest('hex');

export function keysetMac(macKey: Uint8Array, vaultId: string, keyset: KeysetFields): Buffer {
  const input = JSON.stringify([
    'sealsight/v1/ckks-keyset',
    vaultId,
    keyset.id,
    keyset.presetId,
    digest(keyset.publicKey),
    digest(keyset.relinKeys),
    digest(keyset.galoisKeys),
    [...keyset.galoisSteps],
  ]);
  return createHmac('sha256', macKey).update(input, 'utf8').digest();
}

/** Throws an IntegrityError naming the key set unless its stored MAC is the one we made. */
export function checkKeysetMac(
  macKey: Uint8Array,
  vaultId: string,
  keyset: KeysetFields,
  mac: Uint8Array | null,
): void {
  const expected = keysetMac(macKey, vaultId, keyset);
  if (!mac || mac.length !== expected.length || !timingSafeEqual(mac, expected))
    throw new IntegrityError(`CKKS key set ${keyset.id} (public, relinearisation and Galois keys)`);
}
