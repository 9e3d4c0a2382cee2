// The vault's channels: create one, unlock and lock it, and its status (locked or which
// folder is open, why it last locked itself, recent vaults). Passphrases travel renderer
// → main only, in vault:create and vault:unlock; the status never carries a key.
import { z } from 'zod';
import { EmptyRequestSchema, PassphraseSchema, PathSchema } from './common-schemas.ts';

export const VaultStatusSchema = z.strictObject({
  state: z.enum(['locked', 'unlocked']),
  /** The unlocked vault's folder (null when locked). */
  dir: z.string().nullable(),
  imageCount: z.number().int().nonnegative(),
  /** Seconds of inactivity after which the vault locks itself (0 = never). */
  idleLockSeconds: z.number().int().nonnegative(),
  /** Why it was last locked, when it locked itself. */
  lockedReason: z.enum(['user', 'idle', 'error']).nullable(),
  /** The unlock found vault.json missing or damaged and used (and restored from) its backup. */
  headerRestoredFromBackup: z.boolean(),
  recent: z.array(z.strictObject({ dir: z.string(), lastOpened: z.string() })).max(20),
});
export type VaultStatus = z.infer<typeof VaultStatusSchema>;

export const VAULT_CHANNELS = {
  'vault:status': { request: EmptyRequestSchema, response: VaultStatusSchema },
  'vault:create': {
    request: z.strictObject({ dir: PathSchema, passphrase: PassphraseSchema }),
    response: VaultStatusSchema,
  },
  'vault:unlock': {
    request: z.strictObject({ dir: PathSchema, passphrase: z.string().min(1).max(1024) }),
    response: VaultStatusSchema,
  },
  'vault:lock': { request: EmptyRequestSchema, response: VaultStatusSchema },
} as const;
