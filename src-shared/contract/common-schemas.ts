// The building blocks every feature's IPC channels are made of: the fields a renderer may
// send (paths, passphrases, ids, labels — each bounded and shaped, so a malformed value
// fails at the boundary, not in the engine), the empty request, and the two tiers with
// the label shown beside each one's results.
import { z } from 'zod';

const MAX_PATH = 4096;
/** An absolute or relative file-system path, as typed by the user (no NUL bytes). */
export const PathSchema = z
  .string()
  .min(1, 'a path is required')
  .max(MAX_PATH)
  .refine((p) => !p.includes('\0'), 'a path cannot contain NUL');
export const PassphraseSchema = z.string().min(8, 'at least 8 characters').max(1024);
export const ImageIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'an image id is 32 hex digits');
export const ModelIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a model id is 16 hex digits');
export const JobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'a job id is 8–64 [A-Za-z0-9_-]');
export const ClassLabelSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_ .-]+$/, 'a label is letters, digits, space, _ . -');

/** The request of a channel that takes nothing (strict: any field is refused). */
export const EmptyRequestSchema = z.strictObject({});

export const TierSchema = z.enum(['sealed', 'obfuscated']);
export type Tier = z.infer<typeof TierSchema>;

/** Shown beside every obfuscated-tier result. */
export const TIER_LABELS: Readonly<Record<Tier, string>> = Object.freeze({
  sealed:
    'Sealed tier — CKKS homomorphic encryption: classified without decrypting; only this vault’s key reads the result.',
  obfuscated:
    'Obfuscation under a fixed key — not secure against known or chosen plaintexts; use the sealed tier for secrecy.',
});

/** Whether an optional part of the app can be used here, and why (not). */
export const AvailabilitySchema = z.strictObject({
  available: z.boolean(),
  /** Plain statement of why not (when unavailable) or what it is (when available). */
  reason: z.string(),
});
